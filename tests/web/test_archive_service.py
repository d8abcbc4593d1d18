"""forum.services.archive and pagination: ordering, visibility, query counts."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from forum.errors import NotFound
from forum.extensions import db
from forum.services import archive, thread_pages
from forum.services.pagination import Page
from tests.web.factories import START


@contextmanager
def count_queries():
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@pytest.mark.parametrize(("page", "pages", "expected"), [
    (1, 1, [1]),
    (1, 3, [1, 2, 3]),
    (1, 10, [1, 2, 3, None, 10]),
    (6, 12, [1, None, 4, 5, 6, 7, 8, None, 12]),
    (12, 12, [1, None, 10, 11, 12]),
])
def test_iter_pages(page, pages, expected):
    assert list(Page([], page, 10, pages * 10).iter_pages()) == expected


def test_empty_page_is_one_page():
    empty = Page([], 1, 10, 0)
    assert empty.pages == 1 and not empty.has_next and not empty.has_prev


def test_thread_page_queries_do_not_grow_with_posts(app, create):
    group, thread = create.group(), create.thread("Long")
    authors = [create.author(f"Person {n}", f"person{n}@example.com") for n in range(6)]
    parent = None
    for n in range(30):
        parent = create.post(thread, [group], parent=parent if n % 3 else None,
                             author=authors[n % 6], date=START + timedelta(hours=n))
    db.session.commit()
    thread_id = thread.id
    db.session.expunge_all()
    with count_queries() as statements:
        entries = thread_pages.thread_page(archive.get_thread(thread_id)).entries
        names = [entry.post.author.name for entry in entries]
    assert len(names) == 30
    assert len(statements) <= 4   # the thread, its outline, the page's posts


def test_group_listing_queries_do_not_grow_with_threads(app, create):
    group, author = create.group(), create.author()
    for n in range(20):
        create.post(create.thread(f"T{n}"), [group], author=author,
                    date=START + timedelta(days=n))
    db.session.commit()
    name = group.name
    db.session.expunge_all()
    with count_queries() as statements:
        page = archive.group_threads(archive.get_group(name), 1, 50)
        starters = [row.first_post.author.name for row in page.items]
    assert starters == ["Thai Nguyen"] * 20
    assert len(statements) <= 4


def test_archive_months_count_threads_started(app, sample):
    assert archive.group_archive_months(sample.group) == [(2001, 1, 1), (2000, 10, 1)]


def test_thread_subject_comes_from_first_visible_post(app, create):
    group, author = create.group(), create.author()
    thread = create.thread("SECRET root subject")
    root = create.post(thread, [group], author=author, hidden=True, date=START)
    create.post(thread, [group], parent=root, author=author, subject="Re: visible",
                date=START + timedelta(hours=1))
    db.session.commit()
    rows = archive.group_threads(group, 1, 10).items
    assert [row.subject for row in rows] == ["Re: visible"]


def test_invalid_month_is_not_found(app, sample):
    with pytest.raises(NotFound):
        archive.group_threads(sample.group, 1, 10, 2000, 13)


def test_service_rejects_page_zero(app, sample):
    with pytest.raises(ValueError):
        archive.author_posts(sample.thai, 0)
