"""posts.date_offset: each post keeps the offset its date was written in

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 10:00:00

Dates are stored as naive UTC (every listing and feed sorts on them) and were
shown in UTC, so "Tue, 10 Oct 2000 14:03:00 -0400" read as 18:03.  Each post
now keeps the offset its source wrote the date in, minutes east of UTC (NULL:
unknown, shown in UTC as before).  Existing posts whose original bytes were
kept and are a mail message get the offset of their Date header, read again
as the import reads it, where that header gives the stored date (not where
the import fell back to Received or a news server's date).  Hypermail pages,
Google Groups copies, forum exports and web articles stay NULL.
"""
import zlib

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

WITH_SOURCES = sa.text("""
SELECT posts.id, posts.date, post_sources.raw
FROM posts JOIN post_sources ON post_sources.post_id = posts.id
WHERE posts.id > :after AND posts.date IS NOT NULL
  AND post_sources.raw IS NOT NULL
ORDER BY posts.id LIMIT 500
""").columns(id=sa.Integer(), date=sa.DateTime(), raw=sa.LargeBinary())
SET_OFFSET = sa.text("UPDATE posts SET date_offset = :offset WHERE id = :id")


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('date_offset', sa.SmallInteger(), nullable=True))
    conn = op.get_bind()
    after = 0
    while True:
        rows = conn.execute(WITH_SOURCES, {"after": after}).all()
        if not rows:
            break
        after = rows[-1].id
        found = [{"id": row.id, "offset": offset} for row in rows
                 if (offset := _written_offset(row.raw, row.date)) is not None]
        if found:
            conn.execute(SET_OFFSET, found)


def _written_offset(raw: bytes, date) -> int | None:
    """The offset of the kept original's Date header, if it gave the stored date."""
    from importers.stored import stored_date

    try:
        raw = zlib.decompress(raw)
    except zlib.error:
        pass  # kept as it came
    try:
        found = stored_date(bytes(raw))
    except Exception:  # noqa: BLE001 - an unreadable original stays in UTC
        return None
    if found is None or found.value != date.replace(tzinfo=None):
        return None
    return found.offset


def downgrade():
    op.drop_column('posts', 'date_offset')
