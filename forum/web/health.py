"""`/healthz` and `/readyz` for load balancers and process supervisors, and a
log line per request with its duration.

`/healthz` says only that the process answers.  `/readyz` checks what serving
needs (forum.services.health) and answers 503 with the reasons when any check
fails; both bypass the schema gate, so a database behind the code is reported
here as a reason, not as the gate's page.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Flask, g, jsonify, request

from forum.extensions import db

bp = Blueprint("health", __name__)
request_log = logging.getLogger("forum.requests")


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    from forum.services.health import readiness

    checks = readiness(db.engine)
    ready = all(outcome == "ok" for outcome in checks.values())
    reasons = [outcome for outcome in checks.values() if outcome != "ok"]
    return jsonify(ready=ready, checks=checks, reasons=reasons), 200 if ready else 503


def register_request_log(app: Flask) -> None:
    """One INFO line per request: method, path, status, milliseconds."""

    @app.before_request
    def _start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        started = g.pop("request_started", None)
        if started is not None:
            request_log.info("%s %s %s %.1f ms", request.method, request.path,
                             response.status_code,
                             (time.perf_counter() - started) * 1000)
        return response
