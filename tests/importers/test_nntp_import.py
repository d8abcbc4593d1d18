"""`flask import nntp://...` against a real news server (a throwaway inn2):
the pull goes through the one door, balances its report, and resumes after
the last article it kept, a crash part way included."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Group, NewsPull, Post, PostGroup
from importers.runner import ImportRunner
from tests.newsserver import broken_article, news_server, sample_articles

KINDS = ("sqlite", "postgresql")


@pytest.fixture(scope="module")
def news():
    groups = [f"local.{name}.{kind}" for name in ("pull", "resume", "crash")
              for kind in KINDS]
    with news_server(groups) as server:
        for kind in KINDS:  # each database its own articles (Message-IDs)
            base = _base(kind)
            server.feed(sample_articles(40, f"local.pull.{kind}", start=base)
                        + [broken_article(f"local.pull.{kind}").replace(
                            b"<broken.1@", f"<broken.{kind}@".encode())])
            server.feed(sample_articles(20, f"local.resume.{kind}", start=base + 100))
            server.feed(sample_articles(30, f"local.crash.{kind}", start=base + 200))
        yield server


def _base(kind: str) -> int:
    return KINDS.index(kind) * 500


def _kind(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


def _pull(runner, *args):
    done = runner.invoke(args=["import", *args, "--json", "--batch-size", "10"])
    last = done.output.strip().splitlines()[-1] if done.output.strip() else ""
    return done, json.loads(last) if last.startswith("{") else {}


def _posts_in(group: str) -> int:
    return db.session.scalar(select(func.count()).select_from(PostGroup)
                             .join(Group, Group.id == PostGroup.group_id)
                             .where(Group.name == group))


def _last_number(group: str) -> int | None:
    return db.session.scalar(select(NewsPull.last_number)
                             .where(NewsPull.group_name == group))


def test_a_pull_imports_the_group_and_balances(runner, news, database_url):
    group = f"local.pull.{_kind(database_url)}"
    done, report = _pull(runner, news.url(group))
    assert done.exit_code in (0, 1), done.output
    assert report["read"] == 41
    assert report["read"] == (report["imported"] + report["duplicates"]
                              + report["quarantined"] + report["skipped"])
    assert report["imported"] >= 40
    assert _posts_in(group) == report["imported"]
    assert _last_number(group) == 41
    assert all(p["source"] == news.url(group) for p in report["problems"])
    again, report = _pull(runner, news.url(group))
    assert again.exit_code == 0, again.output
    assert report["read"] == 0 and report["imported"] == 0


def test_the_next_pull_fetches_only_what_is_new(runner, news, database_url):
    group = f"local.resume.{_kind(database_url)}"
    _done, first = _pull(runner, news.url(group))
    assert first["imported"] == 20
    news.feed(sample_articles(5, group, start=_base(_kind(database_url)) + 300))
    done, report = _pull(runner, news.url(group))
    assert done.exit_code == 0, done.output
    assert (report["read"], report["imported"], report["duplicates"]) == (5, 5, 0)
    assert _posts_in(group) == 25
    assert _last_number(group) == 25


def test_a_crashed_pull_resumes_after_the_last_article_kept(
        runner, news, database_url, monkeypatch):
    """The run dies in its third batch: the first two batches (20 articles)
    and the number they reach are kept; the next pull reads only the rest."""
    group = f"local.crash.{_kind(database_url)}"
    real, batches = ImportRunner._archive_batch, []

    def dying(self, archiver, batch):
        batches.append(len(batch))
        if len(batches) == 3:
            raise KeyboardInterrupt
        return real(self, archiver, batch)

    monkeypatch.setattr(ImportRunner, "_archive_batch", dying)
    done, _report = _pull(runner, news.url(group))
    assert done.exit_code == 130
    assert _posts_in(group) == 20
    assert _last_number(group) == 20
    monkeypatch.setattr(ImportRunner, "_archive_batch", real)
    done, report = _pull(runner, news.url(group))
    assert done.exit_code == 0, done.output
    assert (report["read"], report["imported"], report["duplicates"]) == (10, 10, 0)
    assert _posts_in(group) == 30


def test_a_group_the_server_lacks_is_reported_and_the_rest_pulls(
        runner, news, database_url):
    group = f"local.pull.{_kind(database_url)}"
    db.session.execute(NewsPull.__table__.delete())
    db.session.commit()
    done, report = _pull(runner, news.url(group, "no.such.group"))
    assert done.exit_code == 2
    assert report["read"] == 41
    errors = [p for p in report["problems"] if p["kind"] == "error"]
    assert len(errors) == 1 and "no.such.group" in errors[0]["reason"]
    assert db.session.scalar(select(func.count(Post.id))) >= 40


@pytest.mark.parametrize(("url", "says"), [
    ("nntp://127.0.0.1:1119/", "no group"),
    ("nntp://user:secret@127.0.0.1/local.test", "no user or password in the URL"),
    ("nntp://127.0.0.1:99999/local.test", "port"),
    ("nntp://127.0.0.1/local.*", "wildcards"),
    ("gopher-archive-that-is-not-here", "does not exist"),
])
def test_a_bad_source_is_a_usage_error(runner, url, says):
    done = runner.invoke(args=["import", url])
    assert done.exit_code == 2
    assert says in done.output
    assert "secret" not in done.output
    assert "Traceback" not in done.output
