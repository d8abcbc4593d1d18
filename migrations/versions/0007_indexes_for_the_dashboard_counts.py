"""indexes for the dashboard's queue counts

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 20:15:00

Hidden and ghost posts are few, so a partial index of each finds them without
reading the posts table (partial: an index on the flag itself made SQLite
answer "does this thread have a visible post" by scanning every visible post);
suggested citations are counted and ranked per post from (status, post_id)
alone, which also serves every query the old index on status alone did.  With these the moderator dashboard of a 100,000-post
archive renders in well under 300 ms (bench/dashboard.py).
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_hidden_ids', ['id'], unique=False,
                              sqlite_where=sa.text('is_hidden IS 1'),
                              postgresql_where=sa.text('is_hidden IS true'))
        batch_op.create_index('ix_posts_ghost_ids', ['id'], unique=False,
                              sqlite_where=sa.text('is_ghost IS 1'),
                              postgresql_where=sa.text('is_ghost IS true'))
    with op.batch_alter_table('post_citations', schema=None) as batch_op:
        batch_op.create_index('ix_post_citations_status_post_id',
                              ['status', 'post_id'], unique=False)
        batch_op.drop_index('ix_post_citations_status')


def downgrade():
    with op.batch_alter_table('post_citations', schema=None) as batch_op:
        batch_op.create_index('ix_post_citations_status', ['status'], unique=False)
        batch_op.drop_index('ix_post_citations_status_post_id')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_ghost_ids')
        batch_op.drop_index('ix_posts_hidden_ids')
