"""A moderator's write that loses a race to another process is tried again."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from forum import create_app
from forum.extensions import db
from forum.models import AuditEntry, Post
from forum.services.accounts import create_user
from forum.web.retry import lost_a_race
from importers.runner import ImportOptions, ImportRunner
from tests.conftest import POSTGRES_URL
from tests.evidence.conftest import (  # noqa: F401 - a fixture, found by name
    PASSWORD,
    SEED_THREAD,
    Auth,
    quick_password_hashing,
)


class ReleaseOnRetry(logging.Handler):
    """Lets the lock go when the app says it lost the race (deterministic)."""

    def __init__(self, holder: sqlite3.Connection) -> None:
        super().__init__()
        self.holder, self.retries = holder, []

    def emit(self, record: logging.LogRecord) -> None:
        self.retries.append(record.getMessage())
        if self.holder.in_transaction:
            self.holder.rollback()


@pytest.mark.usefixtures("quick_password_hashing")
def test_a_hide_that_finds_the_database_locked_is_retried(tmp_path):
    path = tmp_path / "forum.sqlite"
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "FORUM_DATA_DIR": str(tmp_path / "data"),
                      "FORUM_SQLITE_BUSY_TIMEOUT_MS": 50})
    with app.app_context():
        ImportRunner(db.session, ImportOptions(fmt="google-groups")).run(
            [str(SEED_THREAD)])
        create_user(db.session, "mara", PASSWORD, "moderator")
        db.session.commit()
        permalink = db.session.scalar(select(Post.permalink).where(
            Post.is_ghost.is_(False)).limit(1))
        db.session.remove()
    client = app.test_client()
    auth = Auth(client)
    assert auth.login("mara").status_code == 302
    token_page = f"/mod/p/{permalink}/"

    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    handler = ReleaseOnRetry(holder)
    logging.getLogger("forum.web.retry").addHandler(handler)
    logging.getLogger("forum.web.retry").setLevel(logging.INFO)
    try:
        from tests.evidence.conftest import csrf_token

        token = csrf_token(client, token_page)
        holder.execute("BEGIN IMMEDIATE")  # another process is writing
        response = client.post(f"/mod/p/{permalink}/hide", data={
            "reason": "spam", "why": "race", "csrf_token": token})
    finally:
        logging.getLogger("forum.web.retry").removeHandler(handler)
        holder.close()
    assert response.status_code == 302
    assert len(handler.retries) == 1 and "attempt 2" in handler.retries[0]
    with app.app_context():
        hides = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "post.hide")).all()
        assert len(hides) == 1
        assert db.session.scalar(select(Post.is_hidden).where(
            Post.permalink == permalink))
        db.engine.dispose()


def test_only_races_are_retried(tmp_path):
    """Real errors from both databases, told apart."""
    engine = create_engine(f"sqlite:///{tmp_path / 'x.sqlite'}",
                           connect_args={"timeout": 0.05})
    holder = sqlite3.connect(tmp_path / "x.sqlite", isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(DBAPIError) as locked, engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
    holder.rollback()
    with pytest.raises(DBAPIError) as missing, engine.begin() as conn:
        conn.execute(text("INSERT INTO nowhere VALUES (1)"))
    engine.dispose()
    assert lost_a_race(locked.value) and not lost_a_race(missing.value)
    assert not lost_a_race(ValueError("database is locked"))

    pg = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with pg.connect() as first, pg.connect() as second:
            first.execute(text("CREATE TEMP TABLE IF NOT EXISTS r (x int)"))
            first.execute(text("SELECT pg_advisory_xact_lock(4242)"))
            with pytest.raises(DBAPIError) as refused:
                second.execute(text("SET lock_timeout = '10ms'"))
                second.execute(text("SELECT pg_advisory_xact_lock(4242)"))
        assert lost_a_race(refused.value)
    except Exception as error:  # noqa: BLE001
        if "connect" in str(error).lower() and "refused" in str(error).lower():
            pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
        raise
    finally:
        pg.dispose()
