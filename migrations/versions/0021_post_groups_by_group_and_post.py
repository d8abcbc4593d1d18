"""post_groups (group_id, post_id): a group's posts in id order without a sort

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 22:30:00

An mbox download of a group and the news server's article ranges read a
group's listings by post id, a few hundred after the last one read.  With
only (group_id, post_date, post_id), SQLite walked the group's whole
listing and sorted it for every batch (0.1 s a batch in a 100,000-post
group, 20 s a download); this index gives each batch at once.
"""
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_post_groups_group_post', 'post_groups',
                    ['group_id', 'post_id'], unique=False)


def downgrade():
    op.drop_index('ix_post_groups_group_post', table_name='post_groups')
