"""search outbox: index changes follow committed changes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 02:00:00

Changed post ids are written to search_outbox in the transaction that changes
the posts; whoever holds the search engine's writer applies and deletes them,
so no index update is lost to a lock, a crash or kill -9.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('is_bulk', sa.Boolean(), nullable=False),
        sa.Column('queued_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_outbox')),
        sqlite_autoincrement=True,
    )


def downgrade():
    op.drop_table('search_outbox')
