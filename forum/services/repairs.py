"""Repairs of what earlier versions stored wrong, run once by an operator.

Google Groups pages print US Pacific time without a zone.  Until migration
0018 the importer stored that wall-clock time as if it were UTC, 7 or 8 hours
early, with no offset; importing the page again cannot fix it (every post is a
duplicate).  The stored value is exactly the time the page showed, so the
right instant needs no original: it is read as Pacific time again, and every
copy of the date (group listings, thread first and last dates, order, group
months, the search index) is brought along.  Posts the importer has already
given an offset are left alone, so running it twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from forum.extensions import DbSession
from forum.models import Post, PostGroup
from forum.search.sync import reindex_later
from forum.services.counters import refresh_counters
from forum.services.threading import refresh_threads
from incoming.google_groups import ID_DOMAIN, pacific_instant

BATCH = 500


@dataclass(slots=True)
class Repaired:
    """How many posts moved, and the threads and groups recounted for them."""

    posts: int
    threads: int
    groups: int


def repair_google_times(session: DbSession) -> Repaired:
    """Read Google Groups dates stored as UTC as the Pacific times they were."""
    rows = session.execute(select(Post.id, Post.date, Post.thread_id).where(
        Post.message_id.like(f"gg-%@{ID_DOMAIN}"), Post.date.is_not(None),
        Post.date_offset.is_(None))).all()
    for start in range(0, len(rows), BATCH):
        for post_id, shown, _thread in rows[start:start + BATCH]:
            instant, offset = pacific_instant(shown)
            session.execute(update(Post).where(Post.id == post_id)
                            .values(date=instant, date_offset=offset))
            session.execute(update(PostGroup).where(PostGroup.post_id == post_id)
                            .values(post_date=instant))
    post_ids = [row.id for row in rows]
    groups: set[int] = set()
    for start in range(0, len(post_ids), BATCH):
        groups.update(session.scalars(select(PostGroup.group_id).where(
            PostGroup.post_id.in_(post_ids[start:start + BATCH]))))
    threads = {row.thread_id for row in rows if row.thread_id}
    refresh_threads(session, threads)
    refresh_counters(session, groups, [])
    reindex_later(session, post_ids)
    session.expire_all()
    return Repaired(len(post_ids), len(threads), len(groups))
