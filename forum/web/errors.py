"""Error pages: HTML for people, JSON under /api/, never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request
from werkzeug.exceptions import Gone as HTTPGone
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.exceptions import NotFound as HTTPNotFound

from forum.errors import Gone, NotFound

logger = logging.getLogger(__name__)
GENERIC_500 = "Something went wrong on our side. The error has been logged."


def register(app: Flask) -> None:
    """Attach the handlers: NotFound is a 404, Gone a 410, every HTTP error a page."""
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(Gone, _gone)
    app.register_error_handler(HTTPException, _http_error)


def _not_found(error: NotFound):
    return _http_error(HTTPNotFound(description=str(error)))


def _gone(error: Gone):
    return _http_error(HTTPGone(description=str(error)))


def _http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if error.code == 500:
        # The description of a wrapped exception could carry its details.
        error = InternalServerError(description=GENERIC_500)
    response = _json(error) if _wants_json() else _html(error)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _wants_json() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _json(error: HTTPException):
    response = jsonify(error=error.description, status=error.code)
    response.status_code = error.code or 500  # always set: _http_error checked it
    return response


def _html(error: HTTPException):
    try:
        body = render_template("errors/error.html", error=error)
    except Exception:  # noqa: BLE001 - the error page must not fail in turn
        logger.exception("error page could not be rendered")
        response = make_response(
            f"{error.code} {error.name}\n{error.description}\n", error.code)
        response.mimetype = "text/plain"
        return response
    return make_response(body, error.code)
