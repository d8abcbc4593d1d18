"""A group page reads its threads from the listing index, in page order.

The listing is threads by latest activity in the group, undated last, ties by
newest thread; a thread whose posts there are all hidden is not listed.  The
order must come from ix_thread_groups_listing (migration 0015) without a sort,
and the pager's count from that index alone: on a 100,000-post group the old
query counted every thread with a per-thread check of its posts.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event

from forum.extensions import db
from tests.web.test_group_feed_index import _plan

DAY = datetime(2003, 5, 1, 9, 0)


@pytest.fixture
def threads(app, create):
    """Threads of misc.health: a date tie, undated ones, one only hidden."""
    group = create.group("misc.health")
    other = create.group("misc.other")
    made = {}
    for name, day, hidden, where in [
            ("old", 0, False, group), ("tie_a", 3, False, group),
            ("tie_b", 3, False, group), ("hidden_only", 9, True, group),
            ("undated_a", None, False, group), ("mid", 2, False, group),
            ("undated_b", None, False, group), ("elsewhere", 8, False, other)]:
        thread = create.thread(name)
        create.post(thread, [where], date=None if day is None
                    else DAY + timedelta(days=day), hidden=hidden)
        made[name] = thread
    db.session.commit()
    return made


def _listed(client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200
    return [int(n) for n in re.findall(r'<td class="subject"><a href="/t/(\d+)/"',
                                       response.get_data(as_text=True))]


def test_threads_by_latest_activity_ties_newest_first_undated_last(client, threads):
    expected = ["tie_b", "tie_a", "mid", "old", "undated_b", "undated_a"]
    assert _listed(client, "/g/misc.health/") == [threads[n].id for n in expected]


def test_pages_split_the_same_order(app, client, threads, monkeypatch):
    monkeypatch.setitem(app.config, "FORUM_PAGE_SIZE", 4)
    first = _listed(client, "/g/misc.health/")
    second = _listed(client, "/g/misc.health/?page=2")
    order = ["tie_b", "tie_a", "mid", "old", "undated_b", "undated_a"]
    assert first + second == [threads[n].id for n in order]
    assert "6 threads, page 2 of 2" in " ".join(
        client.get("/g/misc.health/?page=2").get_data(as_text=True).split())
    assert client.get("/g/misc.health/?page=3").status_code == 404


def test_the_listing_is_read_from_its_index_without_sorting(app, client, threads):
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if "thread_groups" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        assert client.get("/g/misc.health/").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    count, page = seen[0], seen[1]     # the pager's count, then the page
    assert "count(" in count[0].lower() and "ORDER BY" in page[0]
    with db.engine.connect() as conn:
        for statement, parameters in (count, page):
            plan = _plan(conn, statement, parameters)
            assert "ix_thread_groups_listing" in plan, plan
            assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
            assert "posts" not in plan, plan  # no per-thread look at its posts
