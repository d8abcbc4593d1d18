"""PostgreSQL search: documents as weighted tsvectors, a RUM or GIN index

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 03:00:00

On PostgreSQL only (on SQLite the index lives in the data folder): the
postgres search backend's table of documents and its word list for "did you
mean".  The tsvector index is RUM where the rum extension can be created
(positions and ranking inside the index), else GIN.  These tables belong to
the search backend, not to the models: migrations/env.py leaves them out of
the comparison with the models.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.create_table(
        'search_documents',
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('tsv', postgresql.TSVECTOR(), nullable=False),
        sa.Column('date', sa.DateTime(), nullable=True),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('groups', postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column('author_key', sa.Text(), nullable=False),
        sa.Column('stamp', sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint('post_id', name='pk_search_documents'),
    )
    op.create_index('ix_search_documents_date', 'search_documents', ['date'])
    op.create_table(
        'search_words',
        sa.Column('word', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('word', name='pk_search_words'),
    )
    op.execute(postgres_tsvector_index(bind))


RUM_INDEX = ("CREATE INDEX ix_search_documents_tsv ON search_documents "
             "USING rum (tsv rum_tsvector_ops)")
GIN_INDEX = "CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)"


def postgres_tsvector_index(bind) -> str:
    available = bind.exec_driver_sql(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'rum'").scalar()
    if available:
        try:
            with bind.begin_nested():
                bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS rum")
            return RUM_INDEX
        except sa.exc.DBAPIError:  # no right to create it: GIN does the job
            pass
    return GIN_INDEX


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_table('search_words')
    op.drop_index('ix_search_documents_date', table_name='search_documents')
    op.drop_table('search_documents')
