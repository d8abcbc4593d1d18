"""PostgreSQL search: each field's words are lexemes of their own

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 07:00:00

Subject, author and quoted words are now stored as `s:word`, `f:word` and
`q:word` (new text keeps the bare word), so a field query is one lexeme
lookup instead of a recheck of every document's weights.  Documents in the
old form are removed and every visible post is queued in the search outbox;
`flask --app forum search rebuild` (or the next import) writes them again.
On SQLite this migration does nothing.
"""
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DELETE FROM search_documents")
    op.execute("INSERT INTO search_outbox (post_id, is_bulk, queued_at) "
               "SELECT id, true, now() AT TIME ZONE 'UTC' FROM posts "
               "WHERE NOT is_hidden AND NOT is_ghost ORDER BY id")


def downgrade():
    upgrade()  # the old form is written again from the outbox the same way
