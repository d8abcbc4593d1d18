"""A write that lost a race to another process is tried again, not a 500.

SQLite answers "database is locked" when its busy timeout runs out; PostgreSQL
may pick a transaction as a deadlock victim (40P01), fail it for serialization
(40001) or refuse a lock (55P03).  Each such failure rolls back everything the
request did (its audit entry included), so running the view again from the
start is safe.  Two more tries, a little apart; then the error stands.
"""

from __future__ import annotations

import functools
import logging
import time

from flask import Flask
from sqlalchemy.exc import DBAPIError, OperationalError

from forum.extensions import db

logger = logging.getLogger(__name__)
ATTEMPTS = 3
RETRIES = "retries_races"  # the mark of a view wrapped already
TRANSIENT_SQLSTATES = {"40P01", "40001", "55P03"}


def lost_a_race(error: Exception) -> bool:
    """True for a failure another attempt can get past."""
    if not isinstance(error, DBAPIError):
        return False
    state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode",
                                                             None)
    if state in TRANSIENT_SQLSTATES:
        return True
    return isinstance(error, OperationalError) and "database is locked" in str(
        error.orig)


def retry_writes(app: Flask) -> None:
    """Wrap every view that answers POST (call after all blueprints)."""
    writers = {rule.endpoint for rule in app.url_map.iter_rules()
               if "POST" in (rule.methods or ())}
    for endpoint in writers:
        view = app.view_functions[endpoint]
        if not getattr(view, RETRIES, False):
            app.view_functions[endpoint] = _retrying(view)


def _retrying(view):
    @functools.wraps(view)
    def run(*args, **kwargs):
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return view(*args, **kwargs)
            except DBAPIError as error:
                if attempt == ATTEMPTS or not lost_a_race(error):
                    raise
                db.session.rollback()
                logger.info("%s lost a race (%s); attempt %d", view.__name__,
                            str(error.orig).splitlines()[0], attempt + 1)
                time.sleep(0.05 * attempt)
        raise AssertionError("unreachable")

    setattr(run, RETRIES, True)
    return run
