"""Importing web articles end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from forum.extensions import db
from forum.models import Group, Post, PostGroup

REPO = Path(__file__).resolve().parents[2]
SEED_ARTICLES = sorted((REPO / "samples").glob("article-*.txt"))
PAGE = REPO / "tests" / "data" / "article-wordpress-nested-comments.html"


def posts() -> list[Post]:
    return list(db.session.scalars(
        select(Post).where(Post.is_ghost.is_(False)).order_by(Post.thread_id,
                                                              Post.thread_order)))


def test_seed_articles_are_threads_and_a_reimport_adds_nothing(import_sources):
    assert len(SEED_ARTICLES) == 4
    report = import_sources(*SEED_ARTICLES, group="articles.magnesium")
    assert (report.read, report.imported, report.quarantined) == (4, 4, 0)
    assert report.threads == 4
    again = import_sources(*SEED_ARTICLES, group="articles.magnesium")
    assert (again.imported, again.duplicates) == (0, 4)
    stored = posts()
    assert len(stored) == 4 and all(p.is_synthetic_id for p in stored)
    groups = db.session.scalars(
        select(Group.name).join(PostGroup, PostGroup.group_id == Group.id)).all()
    assert set(groups) == {"articles.magnesium"}
    [fm] = [p for p in stored if p.source_url]
    assert (fm.subject, fm.date) == ("Magnesium Treats Fibromyalgia Pain",
                                     datetime(2012, 1, 31, 12, 33))


def test_saved_page_comments_nest_under_the_article(import_sources):
    report = import_sources(PAGE)
    assert (report.read, report.imported, report.threads) == (4, 4, 1)
    article, one, two, three = posts()
    assert article.parent_id is None and article.depth == 0
    assert (one.parent_id, one.depth) == (article.id, 1)
    assert (two.parent_id, two.depth) == (one.id, 2)
    assert (three.parent_id, three.depth) == (article.id, 1)
    assert three.date_precision == "day"
    # The page's own offsets are kept: shown as the page wrote them.
    assert (article.date, article.date_offset) == (datetime(2012, 1, 31, 19, 33), -420)
    assert (one.date, one.date_offset) == (datetime(2012, 2, 1, 15, 15), -420)
    assert three.date_offset is None
    assert one.source_url.endswith("#comment-1001")
    assert import_sources(PAGE).imported == 0


def test_text_copy_and_saved_page_of_one_article_are_stored_once(import_sources):
    import_sources(REPO / "samples" / "article-fmnetwork-magnesium-fibromyalgia.txt")
    report = import_sources(PAGE)
    assert (report.imported, report.duplicates) == (3, 1)
    article, *comments = posts()
    assert {c.thread_id for c in comments} == {article.thread_id}
