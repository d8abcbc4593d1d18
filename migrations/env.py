"""Alembic environment: the app's metadata, the app's (or a given) connection."""

from alembic import context
from sqlalchemy import engine_from_config, pool

import forum.models  # noqa: F401 - registers every table on the metadata
from forum.extensions import db

config = context.config
target_metadata = db.metadata


# The PostgreSQL search backend's own tables (migration 0009), not models.
SEARCH_BACKEND_TABLES = {"search_documents", "search_words"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    table = obj if type_ == "table" else getattr(obj, "table", None)
    if getattr(table, "name", name) in SEARCH_BACKEND_TABLES:
        return False
    return reflected or _made_on_this_database(obj)


def _made_on_this_database(obj) -> bool:
    """An index declared for one database only (`.ddl_if(dialect=...)`, e.g.
    the thread listing's, DESC NULLS LAST on PostgreSQL) is compared there only."""
    condition = getattr(obj, "_ddl_if", None)
    dialect = getattr(condition, "dialect", None)
    return dialect is None or dialect == context.get_context().dialect.name


def run_with(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as conn:
        run_with(conn)


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
