"""Feed and group page latency over HTTP on a big group, beside their old queries.

    .venv/bin/python bench/feeds.py                        # 100,000 messages, SQLite
    .venv/bin/python bench/feeds.py --messages 10000 --rounds 20
    .venv/bin/python bench/feeds.py --data-dir /tmp/forum-feeds-100k   # keep/reuse
    .venv/bin/python bench/feeds.py --data-dir /tmp/feeds-pg \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/feeds  # reuse PG

The group feed is the group's 50 newest visible posts.  It used to join every
listing of the group to its post and sort them all (385 ms p95 for a
100,000-post group); migration 0014 copies each post's date into its listing
and reads the newest from an index on (group_id, post_date, post_id).

1. The archive: the deterministic corpus (../shared/bench/gen_corpus.py
   --messages N --seed 1, cached in the temp folder; an mbox imports as one
   group, so the group holds every post) imported with the project's CLI
   (`flask --app forum db upgrade`, then `flask --app forum import MBOX
   --json`).  An archive already in --data-dir (or at --database-url) is
   reused after `db upgrade`, which applies new migrations (timed).
2. A real server (`gunicorn -w 1` on a free loopback port).  Each URL is
   fetched once to warm up and checked for 200, then every URL once per
   round for --rounds rounds: the group feed, the group page, the biggest
   thread's page and feed, and search feeds (newest matches of a common word,
   in the group and archive-wide).
3. In-process, on the same database, --rounds times each: the old group-feed
   query (join and sort the group) against `archive.newest_posts`, which the
   feed now calls; and the group page's old queries (its threads checked
   against their posts, counted and sorted; its months counted from all of
   its threads) against `archive.group_threads` and
   `archive.group_archive_months` (migrations 0015 and 0016).  Each pair
   returns the same rows (checked).
Prints median, p95 and max per URL and query, and the load average: the
machine's two cores are shared, so compare figures from one run.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402 - bench scripts run as files
    app_session,
    archive_arguments,
    main_or_child,
    percentile,
    prepared_archive,
    print_timings,
    run_child,
    served_rounds,
)

TARGET_MS = 50.0


def main() -> None:
    args = parse_args()
    with prepared_archive(args, "forum-feeds-bench-") as (data, env):
        group, thread_id = biggest(env)
        print(f"group {group['name']}: {group['post_count']} posts, "
              f"{group['thread_count']} threads; biggest thread {thread_id} "
              f"({group['biggest_thread']} posts)")
        name = quote(group["name"])
        urls = {
            "group feed": f"/g/{name}/feed.atom",
            "group page": f"/g/{name}/",
            "thread page": f"/t/{thread_id}/",
            "thread feed": f"/t/{thread_id}/feed.atom",
            "search feed": f"/search/feed.atom?q={args.word}",
            "search feed in group": f"/search/feed.atom?q={args.word}&group={name}",
        }
        timings, _sizes = served_rounds(env, data / "bench-feeds-gunicorn.log", urls,
                                        args.rounds)
        print_timings(timings)
        print(f"group feed p95 {percentile(timings['group feed'], 95):.2f} ms "
              f"(target <= {TARGET_MS:.0f} ms)")
        queries(env, args.rounds)


def parse_args():
    parser = archive_arguments(__doc__, rounds=50)
    parser.add_argument("--word", default="magnesium",
                        help="the search feeds' query (a common word)")
    return parser.parse_args()


def biggest(env: dict) -> tuple[dict, int]:
    found = run_child(__file__, env, "biggest")
    return found, found["thread_id"]


def queries(env: dict, rounds: int) -> None:
    found = run_child(__file__, env, "queries", str(rounds))
    print_timings(found["timings"])
    print(f"same posts from both queries: {found['same']}")


# -- in a child, with the app --------------------------------------------------------


def child(what: list[str]) -> None:
    with app_session():
        from sqlalchemy import func, select

        from forum.extensions import db
        from forum.models import Group, Post, PostGroup
        from forum.services import archive

        if what[0] == "biggest":
            group = db.session.scalar(select(Group).order_by(Group.post_count.desc())
                                      .limit(1))
            thread_id, size = db.session.execute(
                select(Post.thread_id, func.count()).where(*archive.VISIBLE)
                .group_by(Post.thread_id).order_by(func.count().desc()).limit(1)).one()
            print(json.dumps({"name": group.name, "post_count": group.post_count,
                              "thread_count": group.thread_count,
                              "thread_id": thread_id, "biggest_thread": size}))
        else:
            group = db.session.scalar(select(Group).order_by(Group.post_count.desc())
                                      .limit(1))
            old = (select(Post).join(PostGroup, PostGroup.post_id == Post.id)
                   .where(PostGroup.group_id == group.id, *archive.VISIBLE)
                   .order_by(Post.date.desc().nulls_last(), Post.id.desc()).limit(50))
            pairs = [
                {"old feed query (sort)": lambda: [
                    p.id for p in db.session.scalars(old).unique().all()],
                 "newest_posts (index)": lambda: [
                     p.id for p in archive.newest_posts(group=group)]},
                {"old group listing": lambda: old_listing(group),
                 "group_threads (index)": lambda: [
                     row.thread.id for row in archive.group_threads(group).items]},
                {"old month counts": lambda: old_months(group),
                 "group_archive_months": lambda: archive.group_archive_months(group)},
            ]
            timings: dict[str, list[float]] = {}
            same = True
            for runs in pairs:
                results = [json.dumps(run(), default=str) for run in runs.values()]
                same = same and len(set(results)) == 1
                timings.update({label: [] for label in runs})
                for _ in range(int(what[1])):
                    for label, run in runs.items():
                        started = time.perf_counter()
                        run()
                        timings[label].append((time.perf_counter() - started) * 1000)
                        db.session.expire_all()
            print(json.dumps({"timings": timings, "same": same}))


def old_listing(group) -> list[int]:
    """The group page's first 50 threads as it found them before migration
    0015: each thread checked for a visible post, all counted, then sorted."""
    from sqlalchemy import exists, func, select

    from forum.extensions import db
    from forum.models import Post, Thread, ThreadGroup
    from forum.services import archive

    stmt = (select(Thread, ThreadGroup.post_count, ThreadGroup.last_post_at)
            .join(ThreadGroup, ThreadGroup.thread_id == Thread.id)
            .where(ThreadGroup.group_id == group.id,
                   exists().where(Post.thread_id == Thread.id, *archive.VISIBLE))
            .order_by(ThreadGroup.last_post_at.desc().nulls_last(), Thread.id.desc()))
    db.session.scalar(select(func.count()).select_from(
        stmt.order_by(None).subquery()))
    ids = [row[0].id for row in db.session.execute(stmt.limit(50)).all()]
    archive.first_visible_posts(ids)
    return ids


def old_months(group) -> list[tuple[int, int, int]]:
    """The group page's months as it counted them before migration 0016."""
    from sqlalchemy import func, select

    from forum.extensions import db
    from forum.models import Thread, ThreadGroup

    year = func.extract("year", Thread.first_post_at)
    month = func.extract("month", Thread.first_post_at)
    stmt = (select(year, month, func.count())
            .join(ThreadGroup, ThreadGroup.thread_id == Thread.id)
            .where(ThreadGroup.group_id == group.id, ThreadGroup.post_count > 0,
                   Thread.first_post_at.is_not(None))
            .group_by(year, month).order_by(year.desc(), month.desc()))
    return [(int(y), int(m), n) for y, m, n in db.session.execute(stmt)]


if __name__ == "__main__":
    main_or_child(main, child)
