"""An archive indexed by an earlier version (Whoosh) meets the tantivy default.

It keeps answering from the Whoosh index, says once in the log and on /mod/
that the index must be rebuilt, and `search rebuild` moves it to tantivy.
"""

from __future__ import annotations

import logging

import pytest

from forum.extensions import db
from forum.search import get_index, index_notice
from forum.services.accounts import create_user
from forum.services.search import search_posts, verify_index
from importers.runner import ImportOptions, ImportRunner
from tests.conftest import make_app, migrate_to_newest
from tests.evidence.conftest import PASSWORD, SEED_THREAD, csrf_token

pytestmark = pytest.mark.usefixtures("quick_password_hashing")


@pytest.fixture
def quick_password_hashing(monkeypatch):
    from forum.services import accounts

    monkeypatch.setattr(accounts, "PASSWORD_METHOD", "scrypt:1024:8:1")


@pytest.fixture
def whoosh_archive(tmp_path, tmp_path_factory):
    """(database URL, data folder) of an archive indexed by Whoosh."""
    url = f"sqlite:///{tmp_path / 'forum.sqlite'}"
    migrate_to_newest(url, tmp_path_factory.mktemp("data"))
    data = tmp_path / "data"
    old = make_app(url, data, FORUM_SEARCH_BACKEND="whoosh")
    with old.app_context():
        options = ImportOptions(fmt="google-groups", group="alt.support.fibromyalgia")
        ImportRunner(db.session, options).run([str(SEED_THREAD)])
        create_user(db.session, "mara", PASSWORD, "moderator")
        db.session.commit()
        assert get_index().name == "whoosh"
        db.engine.dispose()
    return url, data


def _dashboard(app) -> str:
    client = app.test_client()
    client.post("/login", data={"name": "mara", "password": PASSWORD,
                                "csrf_token": csrf_token(client)})
    return client.get("/mod/").get_data(as_text=True)


def test_a_whoosh_archive_keeps_searching_and_is_told_to_rebuild(whoosh_archive,
                                                                 caplog):
    url, data = whoosh_archive
    with caplog.at_level(logging.WARNING, logger="forum.search"):
        app = make_app(url, data)  # the default backend, as after an upgrade
    told = [r.getMessage() for r in caplog.records
            if "search rebuild" in r.getMessage()]
    assert len(told) == 1 and "Whoosh index made by an earlier version" in told[0]
    with app.app_context():
        assert get_index().name == "whoosh"
        before = search_posts(db.session, "magnesium", per_page=100)
        assert before.total > 0
        assert "flask --app forum search rebuild" in index_notice()
        db.session.remove()
    assert "flask --app forum search rebuild" in _dashboard(app)

    result = app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "with tantivy" in result.output
    with app.app_context():
        assert get_index().name == "tantivy" and index_notice() is None
        after = search_posts(db.session, "magnesium", per_page=100)
        assert [p.id for p in after.posts] and \
            {p.id for p in after.posts} == {p.id for p in before.posts}
        assert not verify_index(db.session).drift
        db.session.remove()
    assert "search rebuild" not in _dashboard(app)

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="forum.search"):
        restarted = make_app(url, data)
    assert not [r for r in caplog.records if "rebuild" in r.getMessage()]
    with restarted.app_context():
        assert get_index().name == "tantivy"
        db.engine.dispose()


def test_another_process_switches_once_the_rebuild_is_done(whoosh_archive):
    url, data = whoosh_archive
    web, operator = make_app(url, data), make_app(url, data)
    with web.app_context():
        assert get_index().name == "whoosh"
    assert operator.test_cli_runner().invoke(args=["search", "rebuild"]).exit_code == 0
    with web.app_context():
        assert get_index().name == "tantivy" and index_notice() is None
        assert search_posts(db.session, "magnesium").total > 0
        db.engine.dispose()
