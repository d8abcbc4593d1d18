"""Run Alembic migrations from inside the app (CLI, tests, first start)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import current_app

from forum.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config that points at this app's database (or at `url`)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option(
        "sqlalchemy.url",
        (url or current_app.config["SQLALCHEMY_DATABASE_URI"]).replace("%", "%%"),
    )
    return config


def upgrade(revision: str = "head") -> None:
    """Bring the schema to `revision`, reusing the app's engine connection."""
    with db.engine.begin() as connection:
        upgrade_on(connection, revision)


def upgrade_on(connection, revision: str = "head") -> None:
    """Run the migrations inside a transaction the caller holds (and its locks)."""
    config = alembic_config(connection.engine.url.render_as_string(
        hide_password=False))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
