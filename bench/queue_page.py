"""The review queue a page at a time over HTTP: time and weight per page (issue 15).

    .venv/bin/python bench/queue_page.py --messages 10000
    .venv/bin/python bench/queue_page.py                  # 100,000 messages
    .venv/bin/python bench/queue_page.py --data-dir /tmp/forum-queue-100k  # reuse

The archive is the deterministic corpus (../shared/bench/gen_corpus.py
--messages N --seed 1), imported with the project's CLI or reused from
--data-dir after `db upgrade`; the import records the claim hints and
suggested citations the queue lists.  A moderation team's months of work are
added once through the services (bench/dashboard.py's Moderation: labels,
decided suggestions, reader flags, hides, dismissals), so the queue holds
flagged posts, claims and suggestions in a busy archive's proportions.

A real server (`gunicorn -w 1`), signed in through the login form as a
moderator, fetches the queue's first, middle and last pages in priority
order, the first and last pages by age, the first page of the claims and of
the suggested citations (those with most suggestions, one shown each), a
middle page of each, and a page filtered by group, --rounds times each after
one warm-up, checking each answers 200 with 50 items (the last pages: the
rest).  Prints median, p95 and size per page, and each page's weight per item.
Target (issue 15): a page of 50 items weighs at most ~150 KB at 100,000 posts.
"""

from __future__ import annotations

import json
import re
import sys
from math import ceil
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402 - bench scripts run as files
    app_session,
    archive_arguments,
    gunicorn,
    load,
    main_or_child,
    prepared_archive,
    run_child,
    summary,
)
from dashboard import Browser, moderation_child  # noqa: E402

PER_PAGE = 50
TARGET_KB = 150.0
_ITEM = re.compile(r'<li class="hit" data-kind=')
_TOTAL = re.compile(r'<p class="result-count"><strong>([\d,]+)</strong> item')


def main() -> None:
    args = parse_args()
    with prepared_archive(args, "forum-queue-bench-") as (data, env):
        moderation_child(env, args.messages)   # once; prints the row counts
        found = run_child(__file__, env, "queue")
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in found["sizes"].items())
        print(f"queue: {sum(found['sizes'].values()):,} items ({kinds})")
        urls = paths(found)
        with gunicorn(env, 1, data / "bench-queue-gunicorn.log") as (port, _proc):
            timings, sizes, items = measure(port, urls, found, args.rounds)
        print(f"{args.rounds} rounds after 1 warm-up, gunicorn -w 1, signed in as a "
              f"moderator (load {load()}):")
        for name, values in timings.items():
            kb = sizes[name] / 1024
            print(f"{name:<28} {summary(values)}  {kb:6.1f} KB  {items[name]:2} items"
                  f"  {kb / max(1, items[name]):4.2f} KB/item"
                  f"{'  OVER' if kb > TARGET_KB and items[name] == PER_PAGE else ''}")
        print(f"target: a page of {PER_PAGE} items at most ~{TARGET_KB:.0f} KB")


def parse_args():
    return archive_arguments(__doc__, rounds=15, database=False).parse_args()


def paths(found: dict) -> dict[str, str]:
    """The queue pages to fetch, named, from the queue's sizes."""
    sizes = found["sizes"]

    def url(page: int = 1, **filters) -> str:
        return "/mod/queue?" + urlencode({**filters, "page": page})

    last = ceil(sum(sizes.values()) / PER_PAGE)
    claims, cited = (ceil(sizes[kind] / PER_PAGE) for kind in ("claim", "citation"))
    return {
        "priority, first page": url(1),
        "priority, middle page": url(max(1, last // 2)),
        "priority, last page": url(last),
        "age, first page": url(1, sort="age"),
        "age, last page": url(last, sort="age"),
        "claims, first page": url(1, kind="claim"),
        "claims, middle page": url(max(1, claims // 2), kind="claim"),
        "citations, first page": url(1, kind="citation"),
        "citations, middle page": url(max(1, cited // 2), kind="citation"),
        "one group, first page": url(1, group=found["group"]),
    }


def measure(port: int, urls: dict[str, str], found: dict, rounds: int):
    """Sign in, check each page, warm up, then time `rounds` rounds."""
    browser = Browser(port)
    sizes: dict[str, int] = {}
    items: dict[str, int] = {}
    timings: dict[str, list[float]] = {name: [] for name in urls}
    try:
        browser.sign_in()
        for name, path in urls.items():          # the check is the warm-up
            status, page, _ms, _where = browser.request("GET", path)
            if status != 200:
                sys.exit(f"GET {path} answered {status}")
            items[name], sizes[name] = len(_ITEM.findall(page)), len(page.encode())
            expected = _expected(page, path)
            if items[name] != expected:
                sys.exit(f"GET {path} showed {items[name]} items, not {expected}")
        for _ in range(rounds):
            for name, path in urls.items():
                status, _page, ms, _where = browser.request("GET", path)
                if status != 200:
                    sys.exit(f"GET {path} answered {status}")
                timings[name].append(ms)
    finally:
        browser.close()
    return timings, sizes, items


def _expected(page: str, path: str) -> int:
    """How many items the page should hold, from the count it states."""
    total = int(_TOTAL.search(page).group(1).replace(",", ""))
    number = int(re.search(r"page=(\d+)", path).group(1))
    return max(0, min(PER_PAGE, total - (number - 1) * PER_PAGE))


# -- in a child, with the app --------------------------------------------------------


def child(_what: list[str]) -> None:
    with app_session() as session:
        from sqlalchemy import func, select

        from forum.models import Group, PostGroup
        from forum.services.queue import queue_sizes

        group = session.scalar(
            select(Group.name).join(PostGroup, PostGroup.group_id == Group.id)
            .group_by(Group.name).order_by(func.count().desc()).limit(1))
        print(json.dumps({"sizes": queue_sizes(session), "group": group}))


if __name__ == "__main__":
    main_or_child(main, child)
