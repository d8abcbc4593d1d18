"""Extensions, created unbound and bound to an app in `create_app`."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeAlias

from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# What services, search and the news server are handed: a plain Session (a
# command, a test, a worker process) or `db.session`, Flask-SQLAlchemy's
# per-request proxy to one, which offers the same methods.
DbSession: TypeAlias = Session | scoped_session[Any]

# The models' base class. Flask-SQLAlchemy builds `db.Model` at run time from
# `Base`, so a type checker cannot see it; to the checker it is `Base` itself.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
login_manager = LoginManager()
csrf = CSRFProtect()


# Set while a request, an import or a command means to write (see write_intent).
_WRITE_INTENT: ContextVar[bool] = ContextVar("forum_write_intent", default=False)


@contextmanager
def write_intent() -> Iterator[None]:
    """Transactions begun inside will write: on SQLite they take the write lock
    at BEGIN (BEGIN IMMEDIATE), waiting for it up to the busy timeout.

    A transaction that reads first and writes later would otherwise fail at
    once with "database is locked" if another process wrote in between (SQLite
    cannot move a stale read snapshot forward); reads alone never wait.
    """
    token = _WRITE_INTENT.set(True)
    try:
        yield
    finally:
        _WRITE_INTENT.reset(token)


def configure_sqlite(engine, busy_timeout_ms: int = 30_000) -> None:
    """SQLite as a serious embedded database: WAL, foreign keys, real savepoints.

    pysqlite's own transaction handling breaks SAVEPOINT, which the import
    runner relies on to quarantine one bad message; SQLAlchemy's documented
    recipe hands BEGIN back to SQLAlchemy.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _WRITE_INTENT.get()
                                   else "BEGIN")
