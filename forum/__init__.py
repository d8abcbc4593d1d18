"""The Flask application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from forum.config import default_config, environment_config

logger = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping | None = None) -> Flask:
    """Build an app: defaults, then the environment, then `config` (tests)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    data_dir = Path(
        (config or {}).get("FORUM_DATA_DIR")
        or environment_config().get("FORUM_DATA_DIR")
        or Path.cwd() / "instance"
    ).resolve()
    app.config.update(default_config(data_dir))
    app.config.update(environment_config())
    if config:
        app.config.update(config)
    Path(app.config["FORUM_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(Path(app.config["FORUM_DATA_DIR"]))
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from forum.extensions import configure_sqlite, db

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine, app.config.get("FORUM_SQLITE_BUSY_TIMEOUT_MS",
                                                   30_000))
        app.extensions["forum_schema"] = _schema_on_start(db.engine)
    from forum.search import get_index, init_search
    from forum.search.sync import init_sync

    init_search(app)
    init_sync(app, get_index)
    _init_accounts(app)


def _schema_on_start(engine):
    """An empty database gets the schema; an outdated one is reported, not changed."""
    from sqlalchemy.exc import SQLAlchemyError

    from forum.schema import create_if_empty

    try:
        state = create_if_empty(engine)
    except SQLAlchemyError as error:  # unreachable: every request will say so
        logger.warning("database not checked on start: %s",
                       str(error).splitlines()[0])
        return None
    if not state.current:
        logger.warning(state.explain())
    return state


def _init_accounts(app: Flask) -> None:
    """Sessions for moderators: Flask-Login, CSRF on every form, safe cookies."""
    from forum.extensions import csrf, login_manager
    from forum.services.accounts import user_by_token

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see that page."
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load_user(token: str):
        from forum.extensions import db

        return user_by_token(db.session, token)

    csrf.init_app(app)
    from forum.extensions import db
    from forum.services.lookup_cache import make_lookup

    app.extensions["forum_lookup"] = make_lookup(app.config, lambda: db.session)
    from forum.services.propagation import settings_from_config

    # Same-claim proposals: threshold and switch, read (and checked) at start.
    app.extensions["forum_claim_settings"] = settings_from_config(app.config)


def _secret_key(data_dir: Path) -> str:
    """A random key kept in the data folder, made on first start (owner-only)."""
    import secrets

    path = data_dir / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def _register_blueprints(app: Flask) -> None:
    from forum.web import register_web

    register_web(app)


def _register_cli(app: Flask) -> None:
    from forum.cli import register_cli

    register_cli(app)
