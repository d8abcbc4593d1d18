"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

The PostgreSQL half uses the server at 127.0.0.1:5432 (user postgres, database
`test`; override with FORUM_TEST_POSTGRES_URL).  Each test session creates its
own scratch database there and drops it at the end.  Where no server answers,
the PostgreSQL half is skipped with the reason printed in the summary.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from forum import create_app
from forum.extensions import db

POSTGRES_URL = os.environ.get(
    "FORUM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A migrated, empty database of each kind for the whole session."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "forum.sqlite"
        url = f"sqlite:///{path}"
        migrate_to_newest(url, tmp_path_factory.mktemp("data"))
        yield url
        return
    yield from postgres_database(tmp_path_factory)


def postgres_database(tmp_path_factory):
    """A migrated scratch database on the PostgreSQL server, dropped afterwards."""
    with scratch_postgres("forum_test") as url:
        migrate_to_newest(url, tmp_path_factory.mktemp("data"))
        yield url


def admin_engine():
    """An autocommit engine on the server's `test` database, for creating and
    dropping databases; the test is skipped, saying why, where none answers."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT",
                          connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        admin.dispose()
        first_line = (str(exc).splitlines() or [""])[0]
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: "
                    f"{type(exc).__name__}: {first_line}")
    return admin


@contextmanager
def scratch_postgres(prefix: str, template: str | None = None) -> Iterator[str]:
    """A new database on the PostgreSQL server (empty, or a copy of `template`),
    dropped afterwards; skipped, saying why, where no server answers."""
    admin = admin_engine()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    copying = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copying}'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate_to_newest(url: str, data_dir: Path) -> None:
    """Bring the database at `url` to the newest schema."""
    from forum.migrate import upgrade

    app = make_app(url, data_dir)
    with app.app_context():
        upgrade()
        db.engine.dispose()


def make_app(url: str, data_dir: Path, **extra):
    return create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": url,
        "FORUM_DATA_DIR": str(data_dir),
        **extra,
    })


@pytest.fixture
def app(request, database_url, tmp_path):
    """An app on an empty database; tables are emptied again after the test.

    Search uses the default backend, as a site would: a tantivy index on disk
    in the test's folder on SQLite, the database's own on PostgreSQL.  A test or
    module marked `search_backend("null")` switches it off where it is not used.
    """
    app = make_app(database_url, tmp_path / "data", **_search_option(request))
    with app.app_context():
        yield app
        db.session.rollback()
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _search_option(request) -> dict:
    marker = request.node.get_closest_marker("search_backend")
    return {"FORUM_SEARCH_BACKEND": marker.args[0]} if marker else {}


def _empty_tables() -> None:
    """Empty every table between tests, the append-only audit log included.

    Its triggers refuse deletes by design; only this test helper lifts them:
    PostgreSQL skips ordinary triggers (foreign-key checks among them) for a
    replica session, SQLite's are dropped and made again from their stored SQL.

    On PostgreSQL a DELETE per table and a reset of every sequence do what
    TRUNCATE ... RESTART IDENTITY does, about ten times faster on tables this
    small (TRUNCATE makes new files for every table): 6 against 70-110 ms a
    test, over some 1,700 tests.
    """
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # ... and the postgres search backend's own tables (migration 0009).
            names = [f'"{t.name}"' for t in tables] + ["search_documents",
                                                       "search_words"]
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for name in names:
                conn.execute(text(f"DELETE FROM {name}"))
            conn.execute(text("SELECT setval(oid, 1, false) FROM pg_class "
                              "WHERE relkind = 'S'"))
            return
        triggers = conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
        for name, _sql in triggers:
            conn.execute(text(f'DROP TRIGGER "{name}"'))
        for table in tables:
            conn.execute(table.delete())
        for _name, sql in triggers:
            conn.execute(text(sql))


@pytest.fixture(scope="module")
def module_app(request, database_url, tmp_path_factory):
    """An app whose rows outlive a test, for a module that imports once and reads.

    No app context is pushed, so every request gets its own session; the
    tables are emptied when the module ends.
    """
    app = make_app(database_url, tmp_path_factory.mktemp("data"),
                   **_search_option(request))
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def newsgroups_app(request, tmp_path_factory):
    """An app on the module's own copy of all of 20 Newsgroups, imported once
    per database kind per run (tests/corpus_cache.py).  That import, its report
    included, is `app.extensions["test_snapshot"]`.  Like `module_app`, no app
    context is pushed."""
    from tests import corpus_cache

    snap = corpus_cache.twenty_newsgroups(request.param, tmp_path_factory)
    folder = tmp_path_factory.mktemp("copy")
    with corpus_cache.app_on_copy(snap, folder, **_search_option(request)) as app:
        app.extensions["test_snapshot"] = snap
        yield app


def pytest_sessionfinish(session):
    """Where the run began (not in an xdist worker), drop its snapshots."""
    if hasattr(session.config, "workerinput"):
        return
    from tests import corpus_cache

    # The run's shared folder: xdist hands each worker a basetemp inside it.
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is not None and factory._basetemp is not None:
        corpus_cache.drop_snapshots(factory.getbasetemp())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def import_sources(app):
    """Run an import the way the CLI does and return its report."""
    from importers.runner import ImportOptions, ImportRunner

    def run(*sources, **options):
        return ImportRunner(db.session, ImportOptions(**options)).run(
            [str(s) for s in sources]
        )

    return run


@pytest.fixture
def create(app):
    """A row factory for archive tests (tests/web/factories.py)."""
    from tests.web.factories import ArchiveFactory

    return ArchiveFactory(db.session)


@pytest.fixture
def sample(app, create):
    """The small sample archive: groups, threads, hidden posts and ghosts."""
    from tests.web.factories import build_sample

    return build_sample(create)
