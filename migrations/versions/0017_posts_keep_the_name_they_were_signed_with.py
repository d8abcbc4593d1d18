"""posts.author_name: each post keeps the name its own From gave

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 15:00:00

One address signs with several names ("александр епанешников", then
"Alexander Epaneshnikov"), and the author row keeps only the first seen, so
every post showed that one.  Each post now keeps its own.  Existing posts get
their author's name, then, where the original bytes were kept and are a mail
message or a hypermail page from the author's address, the name read again
from them, as the import reads it.  The posts of an author pseudonymised now
are left empty (they show the author row's name, the pseudonym, and after an
undo the restored name); purged posts stay empty.  Search indexes a post's
author by this name now: posts whose name differs from their author's are
queued in the search outbox, applied by the next writer (an import, a
moderator's change, `flask --app forum search verify`).
"""
import zlib

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

FROM_AUTHORS = """
UPDATE posts SET author_name =
    (SELECT authors.name FROM authors WHERE authors.id = posts.author_id)
WHERE author_id IS NOT NULL
  AND author_id NOT IN (SELECT author_id FROM content_changes
                        WHERE kind = 'pseudonymise' AND reverted_at IS NULL
                          AND author_id IS NOT NULL)
  AND id NOT IN (SELECT post_id FROM tombstones)
"""
WITH_SOURCES = sa.text("""
SELECT posts.id, posts.author_name, authors.email, post_sources.raw
FROM posts
JOIN authors ON authors.id = posts.author_id
JOIN post_sources ON post_sources.post_id = posts.id
WHERE posts.id > :after AND posts.author_name IS NOT NULL
  AND authors.email IS NOT NULL AND post_sources.raw IS NOT NULL
ORDER BY posts.id LIMIT 500
""")
SET_NAME = sa.text("UPDATE posts SET author_name = :name WHERE id = :id")
REINDEX = """
INSERT INTO search_outbox (post_id, is_bulk, queued_at)
SELECT posts.id, false, CURRENT_TIMESTAMP
FROM posts JOIN authors ON authors.id = posts.author_id
WHERE posts.author_name <> authors.name
  AND posts.is_hidden = false AND posts.is_ghost = false
ORDER BY posts.id
"""


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('author_name', sa.Text(), nullable=True))
    op.execute(FROM_AUTHORS)
    conn = op.get_bind()
    after = 0
    while True:
        rows = conn.execute(WITH_SOURCES, {"after": after}).all()
        if not rows:
            break
        after = rows[-1].id
        changed = [{"id": row.id, "name": name} for row in rows
                   if (name := _signed(row.raw, row.email)) not in (None,
                                                                    row.author_name)]
        if changed:
            conn.execute(SET_NAME, changed)
    op.execute(REINDEX)


def _signed(raw: bytes, email: str) -> str | None:
    """The name the kept original was signed with, if it is the author's."""
    from forum.services.identity import signed_name
    from importers.stored import stored_signer

    try:
        raw = zlib.decompress(raw)
    except zlib.error:
        pass  # kept as it came
    try:
        found = stored_signer(bytes(raw))
    except Exception:  # noqa: BLE001 - an unreadable original keeps the author's name
        return None
    if found is None or (found[1] or "").strip().lower() != email:
        return None
    return signed_name(*found)


def downgrade():
    # A takedown keeps the name it replaced (services.takedowns): gone with it.
    op.execute("""DELETE FROM field_originals
                  WHERE "table" = 'posts' AND "column" = 'author_name'""")
    op.drop_column('posts', 'author_name')
