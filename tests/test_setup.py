"""Configuration, migrations and the WSGI entry point."""

from __future__ import annotations

import importlib
import sys

from alembic import command

from forum import create_app
from forum.config import normalise_database_url
from forum.migrate import alembic_config


def test_sqlite_in_the_data_folder_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("FORUM_DATA_DIR", str(tmp_path / "data"))
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{tmp_path / 'data' / 'forum.sqlite'}"
    )
    assert (tmp_path / "data").is_dir()


def test_database_url_selects_postgresql_with_psycopg3(tmp_path, monkeypatch):
    monkeypatch.setenv("FORUM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/forum")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://postgres@127.0.0.1:5432/forum"
    )


def test_normalise_leaves_other_urls_alone():
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert normalise_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"


def test_migrations_match_the_models(app):
    """`alembic check` finds no difference between migrations and models."""
    from forum.extensions import db

    config = alembic_config()
    with db.engine.connect() as connection:
        config.attributes["connection"] = connection
        command.check(config)


def test_wsgi_module_builds_the_app(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("FORUM_DATA_DIR", str(tmp_path))
    sys.modules.pop("wsgi", None)
    wsgi = importlib.import_module("wsgi")
    assert wsgi.app.name == "forum"
    assert {r.endpoint.split(".")[0] for r in wsgi.app.url_map.iter_rules()} >= {
        "archive", "api",
    }
