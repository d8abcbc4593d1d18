"""PostgreSQL search: the tsvector index is GIN, RUM only when asked for

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 06:00:00

Measured on the 100,000-message corpus: a RUM index costs 3.5 ms per
inserted document (GIN with its pending list: 0.17 ms), so an import on RUM
could not pass ~280 posts a second.  GIN is the index; an operator of a
read-mostly archive can still move to RUM with `search optimize --rum`.
On SQLite this migration does nothing.
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

GIN_INDEX = ("CREATE INDEX {name} ON search_documents USING gin (tsv) "
             "WITH (fastupdate = on)")
RUM_INDEX = "CREATE INDEX {name} ON search_documents USING rum (tsv rum_tsvector_ops)"


def upgrade():
    _replace_index_with("gin", GIN_INDEX)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and bind.exec_driver_sql(
            "SELECT 1 FROM pg_extension WHERE extname = 'rum'").scalar():
        _replace_index_with("rum", RUM_INDEX)


def _replace_index_with(method: str, create: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    current = bind.exec_driver_sql(
        "SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam "
        "WHERE c.relname = 'ix_search_documents_tsv'").scalar()
    if current == method:
        return
    op.execute("DROP INDEX IF EXISTS ix_search_documents_tsv")
    op.execute(create.format(name="ix_search_documents_tsv"))
