"""An index that gives a group's thread listing in page order

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 13:30:00

A group page lists its threads by latest activity, undated last, ties by
thread id.  The old index (group_id, last_post_at) could not give that order
with the tie-break, so every page sorted all of the group's threads.  The new
one ends with thread_id; on PostgreSQL it is declared in the listing's own
order (DESC NULLS LAST), which a backward scan of an ascending index does
not give there.  SQLite keeps NULLs first in an ascending index, so reading
it backwards is the listing's order, and it takes no NULLS clause.
"""
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_thread_groups_listing ON thread_groups "
                   "(group_id, last_post_at DESC NULLS LAST, thread_id DESC)")
    else:
        op.create_index("ix_thread_groups_listing", "thread_groups",
                        ["group_id", "last_post_at", "thread_id"])
    op.drop_index("ix_thread_groups_group_last", table_name="thread_groups")


def downgrade():
    op.create_index("ix_thread_groups_group_last", "thread_groups",
                    ["group_id", "last_post_at"])
    op.drop_index("ix_thread_groups_listing", table_name="thread_groups")
