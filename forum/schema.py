"""The schema a database is at, and what the app does about it when it starts.

An empty database (a fresh data folder, a new PostgreSQL database) is given the
current schema on first start, so `make run` or an import into a new folder just
works.  A database at an older migration is never changed behind the operator's
back: until `flask db upgrade` runs, pages answer 503 saying so and commands
print one line, instead of failing on a missing column.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

logger = logging.getLogger(__name__)
UPGRADE_COMMAND = "flask --app forum db upgrade"
# Any constant both processes agree on: two first starts create the schema once.
_SCHEMA_LOCK = 0x666F72756D


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands against this version's migrations."""

    revision: str | None  # None: no alembic_version table
    head: str
    empty: bool  # no table at all

    @property
    def current(self) -> bool:
        return self.revision == self.head

    def explain(self) -> str:
        """One sentence for an operator (and the 503 page)."""
        if self.current:
            return "The database is up to date."
        found = (f"migration {self.revision}" if self.revision
                 else "no recorded migration")
        return (f"The database is at {found}; this version of the archive needs "
                f"migration {self.head}. An operator must run `{UPGRADE_COMMAND}`.")


@cache
def head_revision() -> str:
    from forum.migrate import MIGRATIONS

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None, "the migrations have one head"
    return head


def schema_state(connection: Connection) -> SchemaState:
    inspector = inspect(connection)
    if not inspector.has_table("alembic_version"):
        return SchemaState(None, head_revision(),
                           empty=not inspector.get_table_names())
    revision = connection.execute(
        text("SELECT version_num FROM alembic_version")).scalar()
    return SchemaState(revision, head_revision(), empty=False)


def read_state(engine: Engine) -> SchemaState:
    with engine.connect() as connection:
        return schema_state(connection)


def create_if_empty(engine: Engine) -> SchemaState:
    """Bring an empty database to the current schema, once among many starters.

    The check is made again under the database's write lock (SQLite's BEGIN
    IMMEDIATE, a PostgreSQL advisory lock): of several workers starting on an
    empty database one creates the schema and the others find it made.
    """
    state = read_state(engine)
    if not state.empty:
        return state
    from forum.extensions import write_intent

    with write_intent(), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": _SCHEMA_LOCK})
        if schema_state(connection).empty:
            _create(connection)
            logger.warning("created the archive's schema (migration %s) in an "
                           "empty database", head_revision())
    return read_state(engine)


def _create(connection: Connection) -> None:
    from sqlalchemy.orm import Session

    from forum.migrate import upgrade_on
    from forum.services.evidence import seed_label_kinds

    upgrade_on(connection)
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    seed_label_kinds(session)
    session.commit()  # releases the savepoint; the caller's transaction commits
    session.close()
