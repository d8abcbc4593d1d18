"""truncated posts, repairs tied to posts, import runs that say who runs them

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 11:00:00

posts.truncated says why a stored copy may be cut off (a later complete copy
replaces it); import_problems.post_id ties a listed repair to its post;
import_runs.worker/heartbeat_at/failure let a run whose process died be
recorded as failed instead of "running" for ever.
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('truncated', sa.Text(), nullable=True))
    with op.batch_alter_table('import_problems', schema=None) as batch_op:
        batch_op.add_column(sa.Column('post_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('worker', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('failure', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_column('failure')
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('worker')
    with op.batch_alter_table('import_problems', schema=None) as batch_op:
        batch_op.drop_column('post_id')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('truncated')
