"""Google Groups pages through the real import runner (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Author, Post, Thread

DATA = Path(__file__).resolve().parents[1] / "data"
SEED = [DATA / f"google-groups-seed-thread.{form}" for form in ("txt", "html", "md")]


def counts(report) -> tuple[int, ...]:
    assert report.read == (report.imported + report.duplicates
                           + report.quarantined + report.skipped)
    return (report.read, report.imported, report.duplicates, report.quarantined,
            report.skipped)


def stored_posts() -> list[Post]:
    stmt = (select(Post).where(Post.is_ghost.is_(False))
            .order_by(Post.date, Post.thread_order))
    return list(db.session.scalars(stmt))


def test_seed_thread_is_stored_once_whatever_form_it_comes_in(import_sources):
    assert counts(import_sources(SEED[0])) == (5, 5, 0, 0, 0)
    assert counts(import_sources(*SEED)) == (15, 0, 15, 0, 0)
    posts = stored_posts()
    assert len(posts) == 5
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 1
    assert all(p.is_synthetic_id for p in posts)
    assert [p.date_precision for p in posts] == ["day", "day", "exact", "day", "exact"]


def test_seed_thread_tree_and_evidence_are_stored(import_sources):
    import_sources(SEED[1])
    posts = stored_posts()
    by_id = {p.id: p for p in posts}
    edges = sorted(
        (p.author.name, p.date.isoformat(), by_id[p.parent_id].author.name)
        for p in posts if p.parent_id
    )
    # Pacific daylight time on the page, UTC in the archive.
    assert edges == [
        ("Stephanie A. Hall", "2000-10-12T10:00:00", "thai"),
        ("ice witch", "2000-10-10T10:00:00", "Mark London"),
        ("thai", "2000-10-12T07:02:46", "Mark London"),
        ("thai", "2000-10-13T05:57:30", "Stephanie A. Hall"),
    ]
    assert {p.date_offset for p in posts} == {-420}
    assert all(p.parent_evidence for p in posts if p.parent_id)
    assert {p.source_url for p in posts} == {
        "https://groups.google.com/g/alt.med.fibromyalgia/c/Xr4lq1d0Mh8"
    }


def test_importing_a_page_again_adds_nothing_and_moves_no_date(import_sources):
    assert counts(import_sources(SEED[0])) == (5, 5, 0, 0, 0)
    before = [(p.message_id, p.date, p.date_offset) for p in stored_posts()]
    assert counts(import_sources(SEED[0])) == (5, 0, 5, 0, 0)
    assert [(p.message_id, p.date, p.date_offset) for p in stored_posts()] == before


def test_one_author_per_person_shown(import_sources):
    import_sources(SEED[0])
    names = sorted(db.session.scalars(select(Author.name)))
    assert names == ["Mark London", "Stephanie A. Hall", "ice witch", "thai"]


def test_deleted_markers_are_counted_as_skipped(import_sources):
    report = import_sources(DATA / "google-groups-message-deleted.md")
    assert counts(report) == (4, 2, 0, 0, 2)
    assert {p["kind"] for p in report.problems} == {"skipped"}


def test_page_without_posts_is_quarantined_not_fatal(import_sources):
    report = import_sources(DATA / "google-groups-no-posts.html", SEED[0])
    assert counts(report) == (6, 5, 0, 1, 0)
    assert report.failed_sources == 0
