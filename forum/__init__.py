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
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from forum.extensions import configure_sqlite, db

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    from forum.search import init_search
    from forum.search.sync import init_sync

    init_search(app)
    init_sync(app)


def _register_blueprints(app: Flask) -> None:
    from forum.web import register_web

    register_web(app)


def _register_cli(app: Flask) -> None:
    from forum.cli import register_cli

    register_cli(app)
