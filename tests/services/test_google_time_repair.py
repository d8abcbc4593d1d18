"""Google Groups posts imported before their times were read as Pacific time:
`db upgrade` moves them to their UTC instant, with every copy of the date."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from forum.extensions import db
from forum.models import Group, Post, PostGroup, Thread, ThreadGroup
from forum.services.counters import refresh_counters
from forum.services.repairs import repair_google_times
from forum.services.threading import refresh_threads
from tests.helpers import REPO

pytestmark = pytest.mark.search_backend("whoosh-ram")
SEED = REPO / "samples" / "usenet-2000-magnesium-fibromyalgia-thread.txt"


def snapshot() -> dict:
    def rows(*columns, order):
        return db.session.execute(select(*columns).order_by(order)).all()

    return {
        "posts": rows(Post.id, Post.date, Post.date_offset, Post.thread_order,
                      order=Post.id),
        "listed": rows(PostGroup.post_id, PostGroup.post_date, order=PostGroup.post_id),
        "threads": rows(Thread.id, Thread.first_post_at, Thread.last_post_at,
                        order=Thread.id),
        "listings": rows(ThreadGroup.thread_id, ThreadGroup.last_post_at,
                         order=ThreadGroup.thread_id),
        "groups": rows(Group.id, Group.last_post_at, order=Group.id),
    }


def store_as_before() -> None:
    """What the importer stored before: the printed Pacific time, as if UTC."""
    posts = db.session.execute(select(Post.id, Post.date, Post.date_offset)
                               .where(Post.date.is_not(None))).all()
    for post_id, instant, offset in posts:
        shown = instant + timedelta(minutes=offset)
        db.session.execute(update(Post).where(Post.id == post_id)
                           .values(date=shown, date_offset=None))
        db.session.execute(update(PostGroup).where(PostGroup.post_id == post_id)
                           .values(post_date=shown))
    refresh_threads(db.session, db.session.scalars(select(Thread.id)))
    refresh_counters(db.session, db.session.scalars(select(Group.id)).all(), [])
    db.session.commit()


def test_old_google_times_move_to_their_instant_once(app, import_sources, runner):
    import_sources(SEED, fmt="google-groups", group="alt.support.fibromyalgia")
    db.session.commit()
    right = snapshot()
    last = db.session.scalar(select(Post).order_by(Post.date.desc()).limit(1))
    assert (last.date, last.date_offset) == (datetime(2000, 10, 13, 5, 57, 30), -420)
    store_as_before()
    before = snapshot()
    assert before["posts"] != right["posts"] and before["groups"] != right["groups"]
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "the dates of 5 Google Groups posts read again as US Pacific time" in (
        result.output)
    assert snapshot() == right
    assert repair_google_times(db.session).posts == 0


def test_posts_from_other_sources_are_left_alone(app, import_sources):
    import_sources(REPO / "samples" / "article-fmnetwork-magnesium-fibromyalgia.txt")
    db.session.commit()
    before = snapshot()
    assert repair_google_times(db.session).posts == 0
    assert snapshot() == before
