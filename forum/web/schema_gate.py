"""Every page answers 503, saying why, while the database is behind the code.

Checked on each request until the schema is found current (then never again in
this process): an operator who runs `flask db upgrade` needs no restart.
"""

from __future__ import annotations

from flask import Flask, abort, request
from sqlalchemy.exc import SQLAlchemyError

from forum.extensions import db
from forum.schema import create_if_empty

HEALTH = ("health.healthz", "health.readyz")
UNREACHABLE = "The archive's database cannot be reached just now. Try again shortly."


def register(app: Flask) -> None:
    state = app.extensions.get("forum_schema")
    app.extensions["forum_schema_current"] = bool(state and state.current)

    @app.before_request
    def _require_current_schema() -> None:
        if app.extensions["forum_schema_current"] or request.endpoint in HEALTH:
            return  # /readyz reports the schema itself, as a reason
        try:  # a database unreachable at start may be there, and empty, now
            state = create_if_empty(db.engine)
        except SQLAlchemyError:
            abort(503, description=UNREACHABLE)
        if not state.current:
            abort(503, description=state.explain())
        app.extensions["forum_schema_current"] = True
