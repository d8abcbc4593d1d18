"""The group and thread feeds read their newest posts from an index, not a sort.

Each group listing (post_groups) holds its post's date, written by the import
with the listing; the feed reads (group_id, post_date, post_id) backwards.
These tests check the copy is right wherever listings are written (new posts,
filled ghosts, a post re-imported into another group), that the order is the
one the feed always had (newest first, ties by id, undated last, hidden
skipped), and that the statements the feeds run need no sort.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select, text

from forum.extensions import db
from forum.models import Post, PostGroup
from tests.evidence.conftest import SEED_THREAD

pytestmark = pytest.mark.search_backend("whoosh-ram")
ATOM = "{http://www.w3.org/2005/Atom}"
DAY = datetime(2003, 5, 1, 9, 0)

REPLY = """From nobody Mon Jan  1 00:00:00 2001
From: Bo <bo@example.org>
Newsgroups: misc.health
Subject: Re: Zinc
Message-ID: <reply@example.org>
References: <root@example.org>
Date: Fri, 02 May 2003 10:00:00 +0000

Later, but imported first.

"""
ROOT = """From nobody Mon Jan  1 00:00:00 2001
From: Ann <ann@example.org>
Newsgroups: misc.health
Subject: Zinc
Message-ID: <root@example.org>
Date: Thu, 01 May 2003 10:00:00 +0000

The parent arrives later and fills its ghost.

"""


def _listing_dates() -> list[tuple]:
    return db.session.execute(
        select(PostGroup.post_id, PostGroup.group_id, PostGroup.post_date, Post.date)
        .join(Post, Post.id == PostGroup.post_id)
        .order_by(PostGroup.post_id, PostGroup.group_id)).all()


def test_every_listing_holds_its_posts_date(app, import_sources, tmp_path):
    import_sources(SEED_THREAD, fmt="google-groups", group="alt.support.fibromyalgia")
    import_sources(SEED_THREAD, fmt="google-groups", group="sci.med.nutrition")
    (tmp_path / "reply.mbox").write_text(REPLY)
    (tmp_path / "root.mbox").write_text(ROOT)
    import_sources(tmp_path / "reply.mbox", fmt="mbox",   # the root: a ghost
                   group="misc.health")
    import_sources(tmp_path / "root.mbox", fmt="mbox",    # fills the ghost
                   group="misc.health")
    rows = _listing_dates()
    per_group = sorted(Counter(group_id for _p, group_id, _c, _d in rows).values())
    assert per_group[0] == 2 and per_group[1] == per_group[2] > 2   # cross-listed
    assert all(copy == date and date is not None for _p, _g, copy, date in rows)
    filled = db.session.scalar(select(Post).where(
        Post.message_id == "root@example.org"))
    assert not filled.is_ghost and filled.date == datetime(2003, 5, 1, 10, 0)


@pytest.fixture
def crowded(app, create):
    """A group whose newest post is hidden, with a date tie and undated posts."""
    group = create.group("misc.health")
    other = create.group("misc.other")
    who = create.author("Ann", None)
    thread = create.thread("Zinc")
    made = {}
    for name, day, hidden in [("old", 0, False), ("tie_a", 3, False),
                              ("tie_b", 3, False), ("newest_hidden", 9, True),
                              ("mid", 2, False), ("undated_a", None, False),
                              ("undated_b", None, False), ("elsewhere", 8, False)]:
        made[name] = create.post(
            thread, [other] if name == "elsewhere" else [group], author=who,
            date=None if day is None else DAY + timedelta(days=day), hidden=hidden)
    db.session.commit()
    return made


def _feed_links(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    feed = ET.fromstring(response.get_data())
    return [entry.find(ATOM + "link").get("href").rstrip("/").rsplit("/", 1)[-1]
            for entry in feed.findall(ATOM + "entry")]


@pytest.mark.parametrize("feed", ["group", "thread"])
def test_the_feed_order_is_newest_first_ties_by_id_undated_last(app, client,
                                                               crowded, feed):
    expected = ["tie_b", "tie_a", "mid", "old", "undated_b", "undated_a"]
    if feed == "thread":        # the thread also has a post in another group
        expected.insert(0, "elsewhere")
    assert _feed_links(client, _url(feed, crowded)) == [
        crowded[name].permalink for name in expected]


def _url(feed: str, crowded: dict) -> str:
    if feed == "group":
        return "/g/misc.health/feed.atom"
    return f"/t/{crowded['old'].thread_id}/feed.atom"


def test_a_short_feed_still_ends_with_the_undated_posts(app, client, crowded,
                                                        monkeypatch):
    from forum.web import feeds

    monkeypatch.setattr(feeds, "FEED_SIZE", 5)
    assert _feed_links(client, "/g/misc.health/feed.atom") == [
        crowded[name].permalink
        for name in ["tie_b", "tie_a", "mid", "old", "undated_b"]]


@pytest.mark.parametrize(("feed", "index"), [
    ("group", "ix_post_groups_group_date"), ("thread", "ix_posts_thread_date")])
def test_the_feeds_read_an_index_without_sorting(app, client, crowded, feed, index):
    """Every statement a feed runs for its newest posts: the plan has no sort."""
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if "ORDER BY" in statement and "DESC" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        assert client.get(_url(feed, crowded)).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert len(seen) == 2        # the dated posts, then the undated ones
    with db.engine.connect() as conn:
        plans = [_plan(conn, statement, parameters) for statement, parameters in seen]
    assert index in plans[0], plans[0]
    for plan in plans:  # (the few undated rows may come from the primary key)
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def _plan(conn, statement: str, parameters) -> str:
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return "\n".join(str(row[-1]) for row in rows)
    # A sort is never cheaper than a small table's index when sorts are off,
    # unless no index can give the order: a Sort node then remains.
    conn.execute(text("SET enable_sort = off"))
    conn.execute(text("SET enable_seqscan = off"))
    rows = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)
    return "\n".join(row[0] for row in rows)
