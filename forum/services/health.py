"""Whether this process can serve: what `/readyz` checks, in words an operator acts on.

A load balancer sends traffic only where the database answers, its schema is
the one this code needs, and the search backend answers a query; each check
that fails says why, so the 503 names the cause rather than "unhealthy".
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from forum.schema import read_state

_QUOTED = re.compile(r'"[^"]*"')


def readiness(engine: Engine) -> dict[str, str]:
    """Each check's outcome: "ok", or the reason it failed."""
    checks = {"database": _database(engine)}
    checks["schema"] = _schema(engine) if checks["database"] == "ok" else \
        "not checked: the database cannot be reached"
    checks["search"] = _search()
    return checks


def _database(engine: Engine) -> str:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return f"the database cannot be reached: {cause(error)}"
    return "ok"


def _schema(engine: Engine) -> str:
    try:
        state = read_state(engine)
    except SQLAlchemyError as error:
        return f"the schema could not be read: {cause(error)}"
    return "ok" if state.current else state.explain()


def _search() -> str:
    from forum.search import get_index

    try:
        get_index().count()
    except Exception as error:  # noqa: BLE001 - any backend failure is "not ready"
        return f"the search backend does not answer: {cause(error)}"
    return "ok"


def cause(error: BaseException) -> str:
    """The error's kind and the driver's last words on one line: "OperationalError:
    Connection refused", not the host and port (the page is public) nor
    SQLAlchemy's paragraph of background."""
    inner = getattr(error, "orig", None) or error
    lines = str(inner).strip().splitlines()
    words = lines[0].rsplit(":", 1)[-1].strip() if lines else ""
    words = _QUOTED.sub("…", words)  # names: 'database "forum" does not exist'
    return f"{type(error).__name__}: {words}"[:200] if words else type(error).__name__
