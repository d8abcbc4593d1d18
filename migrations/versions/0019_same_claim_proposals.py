"""claim_proposals, labels.derived_from_id, post_references: evidence travels

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 19:00:00

When a moderator labels a claim, the archive looks for other posts making the
same claim and proposes each to moderators (`claim_proposals`: the matched
span, the similarity and why).  A label made from an accepted proposal names
the label it came from (`labels.derived_from_id`).  References a post writes
out as text, with no identifier, wait for a moderator in `post_references`.
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: SQLite takes the reference inline, and rebuilding
    # the labels table (batch mode) would break the tables that point at it.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE labels ADD COLUMN derived_from_id INTEGER "
                   "REFERENCES labels (id)")
    else:
        op.add_column('labels', sa.Column('derived_from_id', sa.Integer(),
                                          nullable=True))
        op.create_foreign_key('fk_labels_derived_from_id_labels', 'labels',
                              'labels', ['derived_from_id'], ['id'])
    op.create_table(
        'claim_proposals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_label_id', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('exact', sa.Text(), nullable=False),
        sa.Column('prefix', sa.Text(), nullable=False),
        sa.Column('suffix', sa.Text(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('explanation', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('label_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['label_id'], ['labels.id']),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id']),
        sa.ForeignKeyConstraint(['source_label_id'], ['labels.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source_label_id', 'post_id'),
    )
    with op.batch_alter_table('claim_proposals', schema=None) as batch_op:
        batch_op.create_index('ix_claim_proposals_status_post_id',
                              ['status', 'post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claim_proposals_post_id'),
                              ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claim_proposals_source_label_id'),
                              ['source_label_id'], unique=False)
    op.create_table(
        'post_references',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('span_start', sa.Integer(), nullable=False),
        sa.Column('span_end', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('candidates', sa.JSON(), nullable=False),
        sa.Column('citation_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['citation_id'], ['citations.id']),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('post_id', 'span_start'),
    )
    with op.batch_alter_table('post_references', schema=None) as batch_op:
        batch_op.create_index('ix_post_references_status_post_id',
                              ['status', 'post_id'], unique=False)


def downgrade():
    op.drop_table('post_references')
    op.drop_table('claim_proposals')
    with op.batch_alter_table('labels', schema=None) as batch_op:
        batch_op.drop_column('derived_from_id')
