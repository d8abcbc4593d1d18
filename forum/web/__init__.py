"""Blueprints: thin views over the services."""

from flask import Flask


def register_web(app: Flask) -> None:
    """Attach every blueprint and the error handlers."""
    from forum.web import api, archive, errors, search

    app.register_blueprint(archive.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    errors.register(app)
