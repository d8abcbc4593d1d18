"""news_pulls: the highest article number fetched, per news server and group

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 23:00:00

`flask import nntp://server/group` fetches only the articles numbered above
the one it last fetched from that server's group; the number is written in
the same transaction as the articles it covers, so a pull that dies part way
resumes after the last article it kept.
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'news_pulls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('server', sa.String(length=255), nullable=False),
        sa.Column('group_name', sa.String(length=255), nullable=False),
        sa.Column('last_number', sa.BigInteger(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('server', 'group_name'),
    )


def downgrade():
    op.drop_table('news_pulls')
