"""drop ix_posts_thread_id: ix_posts_thread_order starts with thread_id

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 05:00:00

Every lookup by thread uses (thread_id, thread_order) as well; the index on
thread_id alone only cost every stored post one more index update.
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_thread_id')


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_thread_id', ['thread_id'], unique=False)
