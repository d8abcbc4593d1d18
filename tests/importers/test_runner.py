"""Whole imports of the real corpora: counts, dedup, threading, idempotence."""

from __future__ import annotations

import json
import tarfile

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Group, ImportRun, Post, PostGroup, Thread
from importers.report import ImportReport
from importers.runner import ImportOptions, ImportRunner
from tests.helpers import corpus, real_posts

pytestmark = [pytest.mark.corpus, pytest.mark.search_backend("null")]


def assert_balanced(report) -> None:
    assert report.read == (report.imported + report.duplicates
                           + report.quarantined + report.skipped)


def test_all_of_20_newsgroups_stores_crossposts_once(newsgroups_app):
    """The run's one import of the whole corpus (tests/corpus_cache.py), checked
    on this module's copy of it, then imported again on top."""
    tars = sorted(corpus("usenet-20news", "groups").glob("*.tar.xz"))
    assert len(tars) == 20
    report = ImportReport(**newsgroups_app.extensions["test_snapshot"].report)
    assert_balanced(report)
    assert (report.read, report.imported, report.quarantined) == (19_997, 19_466, 0)
    assert report.duplicates == 19_997 - 19_466
    with newsgroups_app.app_context():
        assert real_posts() == 19_466
        _assert_listed_where_found(tars)
        again = ImportRunner(db.session, ImportOptions()).run([str(t) for t in tars])
        assert (again.imported, again.duplicates) == (0, 19_997)
        assert real_posts() == 19_466
        db.session.remove()


def _assert_listed_where_found(tars) -> None:
    """Every article is listed in the group of the spool it was found in."""
    found: dict[str, set[str]] = {}
    for tar_path in tars:
        with tarfile.open(tar_path, "r:xz") as tar:
            for member in tar.getmembers():
                if member.isfile():
                    head = tar.extractfile(member).read(8192).decode("latin-1")
                    mid = _header(head, "Message-ID").strip().strip("<>")
                    found.setdefault(mid, set()).add(member.name.split("/")[0])
    listed: dict[str, set[str]] = {}
    rows = db.session.execute(
        select(Post.message_id, Group.name)
        .join(PostGroup, PostGroup.post_id == Post.id)
        .join(Group, Group.id == PostGroup.group_id)
    )
    for mid, group in rows:
        listed.setdefault(mid, set()).add(group)
    crossposted = [m for m, groups in found.items() if len(groups) > 1]
    assert len(crossposted) > 400
    missing = {m: g - listed.get(m, set()) for m, g in found.items()}
    assert not {m: g for m, g in missing.items() if g}


def _header(head: str, name: str) -> str:
    for line in head.splitlines():
        if line.lower().startswith(name.lower() + ":"):
            return line.split(":", 1)[1]
    return ""


def test_lkml_hundred_message_thread_is_one_thread(import_sources):
    report = import_sources(corpus("notmuch-mail", "notmuch-lkml.mbox"))
    assert_balanced(report)
    assert report.read == 210 and report.imported == 176
    biggest = db.session.scalars(
        select(Thread).order_by(Thread.post_count.desc()).limit(1)
    ).one()
    assert biggest.post_count == 100
    depth = db.session.scalar(
        select(func.max(Post.depth)).where(Post.thread_id == biggest.id)
    )
    assert depth >= 20


def test_duplicate_deliveries_yield_three_posts(import_sources):
    report = import_sources(corpus("notmuch-mail", "notmuch-duplicate.mbox"))
    assert (report.read, report.imported, report.duplicates) == (9, 3, 6)


@pytest.mark.parametrize("name", ["notmuch-threading.mbox", "notmuch-broken.mbox"])
def test_ghost_roots_and_reply_loops_thread(import_sources, name):
    report = import_sources(corpus("notmuch-mail", name))
    assert_balanced(report)
    assert report.imported == report.read
    ordered = db.session.scalars(select(Post).order_by(Post.thread_id,
                                                       Post.thread_order)).all()
    for post in ordered:
        if post.parent_id is not None:
            parent = db.session.get(Post, post.parent_id)
            assert parent.thread_id == post.thread_id
            assert parent.thread_order < post.thread_order
            assert post.depth == parent.depth + 1


def test_numpy_month_stored_twice_is_deduplicated(import_sources):
    report = import_sources(
        corpus("pipermail", "numpy-discussion", "2001-November.txt")
    )
    assert (report.read, report.imported, report.duplicates) == (164, 82, 82)


def test_r_devel_keeps_colliding_ids_and_one_idless_copy(import_sources):
    report = import_sources(corpus("pipermail", "r-devel", "1997-April.txt"))
    assert_balanced(report)
    assert report.read == 366 and report.quarantined == 0
    colliding = db.session.scalars(
        select(Post).where(Post.message_id == "9704110718.AA02705@")
    ).all()
    assert len(colliding) == 2
    assert len({p.permalink for p in colliding}) == 2
    synthetic = db.session.scalars(
        select(Post).where(Post.is_synthetic_id.is_(True))
    ).all()
    assert len(synthetic) == 1
    distinct = db.session.scalar(
        select(func.count(func.distinct(Post.message_id)))
        .where(Post.is_ghost.is_(False))
    )
    assert report.imported == distinct + 1
    assert report.duplicates == 366 - report.imported


def test_hyperkitty_fixtures_all_import_and_render(import_sources, client):
    """All 14 files import: `non-ascii-headers.txt` is a pipermail month of 6, the
    payload fixtures reuse one Message-ID (deduplicated, as notmuch's are), and
    three carry a real `X-no-archive: yes`, honoured unless overridden."""
    files = sorted(corpus("hyperkitty-testdata").glob("*.txt"))
    assert len(files) == 14
    report = import_sources(*files)
    assert (report.read, report.quarantined, report.skipped) == (19, 0, 3)
    assert_balanced(report)
    forced = import_sources(*files, honour_no_archive=False)
    assert (forced.read, forced.quarantined, forced.skipped) == (19, 0, 0)
    assert forced.imported == 2  # the two X-No-Archive ids held back before
    stored = set(db.session.scalars(select(Post.message_id)))
    for path in files:
        assert _header(path.read_text("latin-1"), "Message-ID").strip(" <>") in stored
    for post in db.session.scalars(select(Post).where(Post.is_ghost.is_(False))):
        page = client.get(f"/p/{post.permalink}/")
        assert page.status_code == 200
        assert b"Traceback" not in page.data


def test_cli_import_prints_a_balanced_json_report(runner):
    mbox = corpus("notmuch-mail", "notmuch-default.mbox")
    result = runner.invoke(args=["import", str(mbox), "--group", "notmuch", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    for key in ("read", "imported", "duplicates", "quarantined", "skipped",
                "threads", "seconds"):
        assert key in report
    assert report["read"] == 53
    assert report["read"] == (report["imported"] + report["duplicates"]
                              + report["quarantined"] + report["skipped"])
    run = db.session.get(ImportRun, report["run_id"])
    assert run.status == "finished" and run.read == 53
    again = runner.invoke(args=["import", str(mbox), "--group", "notmuch", "--json"])
    assert json.loads(again.output.strip().splitlines()[-1])["imported"] == 0
