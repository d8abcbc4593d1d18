"""post_groups.post_date; indexes for the group and thread feeds

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 10:30:00

A group's Atom feed is its 50 newest visible posts.  Posts carry no group
(a cross-posted article is stored once), so the feed joined every listing of
the group to its post and sorted them all: 385 ms for a 100,000-post group.
Each listing now holds its post's date (copied when the listing is written;
a stored post's date never changes), and the newest listings are read from
this index in order, stopping after 50 visible posts (bench/feeds.py).  The
index on group_id alone is dropped: the new one starts with it.  A thread's
feed sorted the whole thread (72 ms for 1,500 posts); (thread_id, date, id)
gives its newest in order too.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('post_groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('post_date', sa.DateTime(), nullable=True))
    op.execute("UPDATE post_groups SET post_date = "
               "(SELECT posts.date FROM posts WHERE posts.id = post_groups.post_id)")
    with op.batch_alter_table('post_groups', schema=None) as batch_op:
        batch_op.create_index('ix_post_groups_group_date',
                              ['group_id', 'post_date', 'post_id'], unique=False)
        batch_op.drop_index('ix_post_groups_group_id')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_thread_date', ['thread_id', 'date', 'id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_thread_date')
    with op.batch_alter_table('post_groups', schema=None) as batch_op:
        batch_op.create_index('ix_post_groups_group_id', ['group_id'], unique=False)
        batch_op.drop_index('ix_post_groups_group_date')
        batch_op.drop_column('post_date')
