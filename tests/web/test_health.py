"""`/healthz` and `/readyz`: what a load balancer reads, with the reason when
the process must not get traffic; and a log line per request with its time."""

from __future__ import annotations

import logging

import pytest

from forum.schema import head_revision
from tests.conftest import make_app
from tests.processes import DATABASE_KINDS, at_revision, scratch_database


def test_a_serving_archive_is_healthy_and_ready(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {"ready": True, "reasons": [], "checks": {
        "database": "ok", "schema": "ok", "search": "ok"}}


@pytest.mark.parametrize("kind", DATABASE_KINDS)
def test_readyz_says_the_schema_is_behind(kind, tmp_path):

    with scratch_database(kind, tmp_path) as url:
        at_revision(url, "0011")
        app = make_app(url, tmp_path / "web")
        client = app.test_client()
        assert client.get("/healthz").status_code == 200  # the process is up
        ready = client.get("/readyz")
        assert ready.status_code == 503
        [reason] = ready.get_json()["reasons"]
        assert "migration 0011" in reason and head_revision() in reason
        with app.app_context():
            from forum.extensions import db

            db.engine.dispose()


def test_readyz_answers_503_with_the_reason_when_the_database_is_gone(tmp_path):
    """The database file's folder vanishes under a running app."""
    import shutil


    folder = tmp_path / "db"
    folder.mkdir()
    app = make_app(f"sqlite:///{folder / 'f.sqlite'}", tmp_path / "web")
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    with app.app_context():
        from forum.extensions import db

        db.engine.dispose()
    shutil.rmtree(folder)
    ready = client.get("/readyz")
    assert ready.status_code == 503
    body = ready.get_json()
    assert body["checks"]["database"] == ("the database cannot be reached: "
                                          "OperationalError: unable to open "
                                          "database file")
    assert body["checks"]["schema"] == "not checked: the database cannot be reached"
    assert not body["ready"] and "Traceback" not in ready.get_data(as_text=True)


def test_readyz_names_a_postgresql_server_that_does_not_answer(tmp_path):
    """Several web machines share one PostgreSQL: when it stops answering,
    every /readyz says so (and not where it lives: the page is public)."""
    import socket


    with socket.socket() as unused:  # a port nothing listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    app = make_app(f"postgresql+psycopg://postgres@127.0.0.1:{port}/test",
                 tmp_path / "web", FORUM_SEARCH_BACKEND="postgres")
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"] == {
        "database": "the database cannot be reached: OperationalError: "
                    "Connection refused",
        "schema": "not checked: the database cannot be reached",
        "search": "the search backend does not answer: OperationalError: "
                  "Connection refused"}
    assert str(port) not in ready.get_data(as_text=True)


def test_each_request_is_logged_with_its_duration(client, caplog):
    with caplog.at_level(logging.INFO, logger="forum.requests"):
        client.get("/healthz")
    [line] = [r.getMessage() for r in caplog.records if r.name == "forum.requests"]
    method, path, status, ms, unit = line.split()
    assert (method, path, status, unit) == ("GET", "/healthz", "200", "ms")
    assert float(ms) >= 0


def test_readyz_names_no_database_that_is_gone(tmp_path):
    """A dropped database: the reason says so without naming it."""
    from tests.processes import scratch_database

    with scratch_database("postgresql", tmp_path) as url:  # made, then dropped
        name = url.rsplit("/", 1)[1]
    app = make_app(url, tmp_path / "web", FORUM_SEARCH_BACKEND="postgres")
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    checks = ready.get_json()["checks"]
    assert checks["database"] == ("the database cannot be reached: "
                                  "OperationalError: database … does not exist")
    assert name not in ready.get_data(as_text=True)
