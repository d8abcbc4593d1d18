"""Long-thread pages over HTTP: paged (today) beside one page of everything.

    .venv/bin/python bench/thread_page.py                 # 100,000 messages, SQLite
    .venv/bin/python bench/thread_page.py --data-dir /tmp/forum-feeds-100k   # reuse
    .venv/bin/python bench/thread_page.py --data-dir /tmp/pg \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/threads

The archive is the deterministic corpus (../shared/bench/gen_corpus.py
--messages N --seed 1), imported with the project's CLI or reused from
--data-dir / --database-url after `db upgrade`.  The benchmark takes the
biggest thread with at least --min-posts visible posts and fetches, from a
real server (`gunicorn -w 1`), its first, middle and last pages in both
views and the page holding its last post (`?post=`), --rounds times each,
checking each answers 200.  The same URLs are then fetched from a second
server whose FORUM_THREAD_PAGE_SIZE holds the whole thread, which is what a
thread page was before paging.  Prints median, p95 and HTML size per URL.
Targets (issue 15): p95 <= 100 ms and < 300 KB for a 1,000-post thread.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

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

TARGET_MS, TARGET_KB = 100.0, 300.0
WHOLE = "1000000"  # a page size that holds any thread: one page, as before


def main() -> None:
    args = parse_args()
    with prepared_archive(args, "forum-thread-bench-") as (data, env):
        thread = run_child(__file__, env, "thread", str(args.min_posts))
        print(f"thread {thread['id']}: {thread['posts']} visible posts")
        urls = paths(thread)
        for label, size in (("paged", "50"), ("one page", WHOLE)):
            env["FORUM_THREAD_PAGE_SIZE"] = size
            timings, sizes = served_rounds(
                env, data / "bench-thread-gunicorn.log",
                urls if size != WHOLE else {"whole thread": urls["first page"]},
                args.rounds)
            over_target(timings, sizes)
            print(f"-- {label} (FORUM_THREAD_PAGE_SIZE={size})")
            print_timings(timings, sizes=sizes)
        print(f"targets: p95 <= {TARGET_MS:.0f} ms and < {TARGET_KB:.0f} KB a page")


def parse_args():
    parser = archive_arguments(__doc__, rounds=30)
    parser.add_argument("--min-posts", type=int, default=1000)
    return parser.parse_args()


def paths(thread: dict) -> dict[str, str]:
    base, pages = f"/t/{thread['id']}/", thread["pages"]
    return {
        "first page": base,
        "middle page": f"{base}?page={max(1, pages // 2)}",
        "last page": f"{base}?page={pages}",
        "flat, middle page": f"{base}?view=flat&page={max(1, pages // 2)}",
        "?post= last post": f"{base}?post={thread['last']}",
    }


def over_target(timings: dict[str, list[float]], sizes: dict[str, int]) -> None:
    for name, values in timings.items():
        if percentile(values, 95) > TARGET_MS or sizes[name] > TARGET_KB * 1024:
            print(f"   over target: {name}")


# -- in a child, with the app --------------------------------------------------------


def child(what: list[str]) -> None:
    with app_session() as session:
        from sqlalchemy import func, select

        from forum.models import Post, Thread
        from forum.services import archive, thread_pages

        if what[0] == "thread":
            thread_id, posts = session.execute(
                select(Post.thread_id, func.count()).where(*archive.VISIBLE)
                .group_by(Post.thread_id).having(func.count() >= int(what[1]))
                .order_by(func.count().desc()).limit(1)).one()
            nodes = thread_pages.shown_nodes(
                thread_pages.outline(session.get(Thread, thread_id)), "tree")
            pages = len(thread_pages.page_starts(nodes, 50, "tree"))
            last = [n.permalink for n in nodes if n.visible][-1]
            print(json.dumps({"id": thread_id, "posts": posts, "pages": pages,
                              "last": last}))


if __name__ == "__main__":
    main_or_child(main, child)
