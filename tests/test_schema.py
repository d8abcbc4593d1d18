"""A fresh data folder just works; an outdated database says so, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from forum.schema import head_revision
from tests.conftest import make_app
from tests.helpers import REPO
from tests.processes import (
    DATABASE_KINDS,
    app_env,
    at_revision,
    count_rows,
    flask,
    scratch_database,
)

SAMPLE = REPO / "samples" / "health-forum-sample.mbox.gz"
KINDS = DATABASE_KINDS


def _revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", KINDS)
def test_an_import_into_an_empty_database_creates_the_schema(kind, tmp_path):
    with scratch_database(kind, tmp_path) as url:
        env = app_env(tmp_path / "data", url)
        done = flask(env, "import", str(SAMPLE), "--group", "misc.health")
        assert "imported 300" in done.stdout
        assert "Traceback" not in done.stderr
        assert _revision(url) == head_revision()
        assert count_rows(url, "label_kinds") > 0  # the taxonomy is seeded too
        runs = flask(env, "imports", "list")
        assert "finished" in runs.stdout and "imported 300" in runs.stdout


@pytest.mark.parametrize("kind", KINDS)
def test_workers_starting_together_create_the_schema_once(kind, tmp_path):
    with scratch_database(kind, tmp_path) as url:
        env = app_env(tmp_path / "data", url)
        code = "from forum import create_app; create_app()"
        procs = [subprocess.Popen([sys.executable, "-c", code], env=env, cwd=REPO,
                                  stderr=subprocess.PIPE, text=True)
                 for _ in range(3)]
        errors = [proc.communicate(timeout=120)[1] for proc in procs]
        assert [proc.returncode for proc in procs] == [0] * 3, errors
        created = sum("created the archive's schema" in err for err in errors)
        assert created == 1, errors
        kinds = count_rows(url, "label_kinds")
        assert kinds == count_rows(url, "(SELECT DISTINCT key FROM label_kinds) k")


@pytest.mark.parametrize("kind", KINDS)
def test_an_outdated_database_answers_503_until_upgraded(kind, tmp_path):

    with scratch_database(kind, tmp_path) as url:
        at_revision(url, "0011")
        app = make_app(url, tmp_path / "web")
        client = app.test_client()
        for path in ("/", "/search?q=magnesium", "/login"):
            page = client.get(path)
            assert page.status_code == 503, path
            body = page.get_data(as_text=True)
            assert "migration 0011" in body and "db upgrade" in body
            assert "Traceback" not in body
        api = client.get("/api/v1/groups")
        assert api.status_code == 503 and "db upgrade" in api.get_json()["error"]
        assert _revision(url) == "0011"  # never upgraded behind the operator's back

        env = app_env(tmp_path / "data", url)
        refused = flask(env, "import", str(SAMPLE), check=False)
        assert refused.returncode == 2
        lines = refused.stderr.strip().splitlines()
        assert len(lines) <= 2 and "Traceback" not in refused.stderr  # log + error
        assert lines[-1:] == [
            f"error: The database is at migration 0011; this version of the archive "
            f"needs migration {head_revision()}. An operator must run "
            f"`flask --app forum db upgrade`."]

        flask(env, "db", "upgrade")
        assert client.get("/").status_code == 200  # no restart needed
        with app.app_context():
            from forum.extensions import db

            db.engine.dispose()


@pytest.mark.parametrize("backend", ["tantivy", "whoosh"])
def test_a_fresh_data_folder_serves_every_page_before_any_import(backend, tmp_path):
    from forum import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "FORUM_DATA_DIR": str(tmp_path / "fresh"),
                      "FORUM_SEARCH_BACKEND": backend})
    client = app.test_client()
    for path in ("/", "/search?q=magnesium", "/search?q=x&group=a&sort=date",
                 "/api/v1/search?q=x", "/api/v1/groups", "/login"):
        assert client.get(path).status_code == 200, path
    assert (tmp_path / "fresh" / "forum.sqlite").exists()


def test_a_database_unreachable_at_start_is_created_when_it_appears(tmp_path):

    folder = tmp_path / "not-yet"
    app = make_app(f"sqlite:///{folder / 'f.sqlite'}", tmp_path / "web")
    assert app.extensions["forum_schema"] is None  # could not even open it
    client = app.test_client()
    page = client.get("/")
    assert page.status_code == 503
    assert "cannot be reached" in page.get_data(as_text=True)
    folder.mkdir()  # the volume is mounted, the server is up
    assert client.get("/").status_code == 200
    assert _revision(f"sqlite:///{folder / 'f.sqlite'}") == head_revision()


def test_an_unversioned_database_with_tables_is_not_touched(tmp_path):

    url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    app = make_app(url, tmp_path / "web")
    page = app.test_client().get("/")
    assert page.status_code == 503
    assert "no recorded migration" in page.get_data(as_text=True)
    assert _revision_or_none(url) is None


def _revision_or_none(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = conn.scalars(text(
                "SELECT name FROM sqlite_master WHERE type = 'table'")).all()
            return "versioned" if "alembic_version" in names else None
    finally:
        engine.dispose()
