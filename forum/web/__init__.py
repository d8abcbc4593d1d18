"""Blueprints: thin views over the services."""

from flask import Flask, g, request

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def register_web(app: Flask) -> None:
    """Attach every blueprint and the error handlers."""
    from forum.web.common import DatabaseId, refuse_nul

    # Before any rule is added: rules take their converters when added.
    app.url_map.converters["int"] = DatabaseId
    app.before_request(refuse_nul)
    from forum.web import (
        admin,
        api,
        archive,
        auth,
        errors,
        evidence,
        exports,
        feeds,
        flags,
        headers,
        health,
        moderation,
        queue,
        raw,
        schema_gate,
        search,
        takedowns,
        thread_tools,
    )

    health.register_request_log(app)  # first: the clock starts before any other hook
    app.register_blueprint(health.bp)
    app.register_blueprint(archive.bp)
    app.register_blueprint(raw.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(evidence.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(flags.bp)
    app.register_blueprint(exports.bp, url_prefix="/export")
    app.register_blueprint(moderation.bp, url_prefix="/mod")
    app.register_blueprint(queue.bp, url_prefix="/mod")
    app.register_blueprint(takedowns.bp, url_prefix="/mod")
    app.register_blueprint(thread_tools.bp, url_prefix="/mod")
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(search.bp)
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    schema_gate.register(app)
    errors.register(app)
    headers.register(app)
    _declare_writes(app)
    from forum.web.retry import retry_writes

    retry_writes(app)
    from forum.web.links import link

    app.add_template_global(link)


def _declare_writes(app: Flask) -> None:
    """A POST means to write: its transactions take SQLite's write lock at BEGIN."""
    from forum.extensions import _WRITE_INTENT

    @app.before_request
    def _intend_to_write() -> None:
        if request.method not in SAFE_METHODS:
            g.forum_write_intent = _WRITE_INTENT.set(True)

    @app.teardown_request
    def _done_writing(_error) -> None:
        token = g.pop("forum_write_intent", None)
        if token is not None:
            _WRITE_INTENT.reset(token)
