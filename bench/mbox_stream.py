"""mbox downloads of a 100,000-post group: time to first byte and the memory they take.

    .venv/bin/python bench/mbox_stream.py                 # 100,000 messages, SQLite
    .venv/bin/python bench/mbox_stream.py --data-dir /tmp/forum-mbox-100k   # keep/reuse
    .venv/bin/python bench/mbox_stream.py --data-dir /tmp/pg \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/mbox

1. The archive: the deterministic corpus (../shared/bench/gen_corpus.py
   --messages N --seed 1; an mbox imports as one group, so the group holds
   every post), imported with the project's CLI or reused.
2. A real server (`gunicorn -w 1`).  For --rounds rounds, each of the group's
   mbox, its gzipped mbox and its busiest month's mbox is downloaded on a new
   connection: time to the first byte of the body, time to the last, bytes
   and messages.  The worker's resident memory is sampled every 50 ms; its
   peak during the downloads is printed beside its size before them.
3. The alternative, in child processes on the same database: the whole group
   read at once and joined into one body (what a download that is not
   streamed does), beside the streamed export read to the end without
   keeping it; each child prints its peak resident memory (VmHWM).
Targets (issue 17): peak RSS under 150 MB and the first byte within 200 ms.
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402 - bench scripts run as files
    MemorySampler,
    app_session,
    archive_arguments,
    children_of,
    gunicorn,
    main_or_child,
    memory_mb,
    peak_rss_mb,
    prepared_archive,
    run_child,
    summary,
)

TARGET_MB, TARGET_MS = 150, 200


def main() -> None:
    args = archive_arguments(__doc__, rounds=3).parse_args()
    with prepared_archive(args, "forum-mbox-") as (data, env):
        found = run_child(__file__, env, "biggest")
        print(f"group {found['name']}: {found['posts']:,} visible posts; busiest "
              f"month {found['year']}-{found['month']:02d} "
              f"({found['month_threads']:,} threads started)")
        name = found["name"]
        urls = {"group mbox": f"/g/{name}/mbox",
                "group mbox.gz": f"/g/{name}/mbox.gz",
                "month mbox": f"/g/{name}/{found['year']}/{found['month']}/mbox"}
        with gunicorn(env, 1, data / "gunicorn.log") as (port, proc):
            served(port, proc.pid, urls, args.rounds)
        print("\nin a child process each, the whole group:")
        for how in ("joined", "streamed"):
            result = run_child(__file__, env, how)
            print(f"  {how:<9} peak RSS {result['peak_mb']:6.1f} MB  "
                  f"{result['seconds']:6.1f} s  {result['bytes'] / 1e6:,.1f} MB of "
                  f"mbox ({result['rss_before_mb']:.1f} MB before)")


def served(port: int, server_pid: int, urls: dict[str, str], rounds: int) -> None:
    worker = children_of(server_pid)[0]
    download(port, "/", chunked=False)  # warm up: the app's first request
    before = memory_mb(worker)
    first: dict[str, list[float]] = {name: [] for name in urls}
    total: dict[str, list[float]] = {name: [] for name in urls}
    sizes: dict[str, tuple[int, int]] = {}
    with MemorySampler(worker, every=0.05) as sampler:
        for _ in range(rounds):
            for name, url in urls.items():
                ttfb, seconds, size, messages = download(port, url)
                first[name].append(ttfb)
                total[name].append(seconds * 1000)
                sizes[name] = (size, messages)
    peak = sampler.peaks.get(worker, {})
    print(f"\ngunicorn -w 1 worker: RSS before {_mb(before)}; peak during the "
          f"downloads {_mb(peak)}")
    for name in urls:
        size, messages = sizes[name]
        print(f"{name:<14} first byte {summary(first[name])}")
        print(f"{'':<14} whole file {summary(total[name])}  "
              f"({size / 1e6:,.1f} MB, {messages:,} messages)")
    worst = max(max(values) for values in first.values())
    resident = peak.get("RssAnon", 0) + peak.get("RssFile", 0)
    print(f"slowest first byte {worst:.1f} ms (target < {TARGET_MS} ms); peak "
          f"RSS {resident:.1f} MB (target < {TARGET_MB} MB)")


def download(port: int, url: str,
             chunked: bool = True) -> tuple[float, float, int, int]:
    """GET `url` on a new connection: ms to the body's first byte, seconds to
    its last, its size and how many messages (mbox `From ` lines) it holds."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request("GET", url)
    response = conn.getresponse()
    head = response.read(1)
    ttfb = (time.perf_counter() - started) * 1000
    if response.status != 200:
        sys.exit(f"GET {url} answered {response.status}")
    size, messages, tail = len(head), 0, head
    while chunk := response.read(65536):
        size += len(chunk)
        if chunked and not url.endswith(".gz"):  # a From line may span chunks
            messages += (tail[-5:] + chunk).count(b"\nFrom ")
        tail = chunk
    if chunked and not url.endswith(".gz"):
        messages += head == b"F"
    conn.close()
    return ttfb, time.perf_counter() - started, size, messages


def _mb(seen: dict[str, float]) -> str:
    return (f"{seen.get('RssAnon', 0) + seen.get('RssFile', 0):.1f} MB "
            f"(heap {seen.get('RssAnon', 0):.1f} MB)")


# -- in a child, with the app --------------------------------------------------------


def child(what: list[str]) -> None:
    with app_session():
        from sqlalchemy import func, select

        from forum.extensions import db
        from forum.models import Group, Post
        from forum.services import archive, mbox_export

        group = db.session.scalar(select(Group).order_by(Group.post_count.desc())
                                  .limit(1))
        if what[0] == "biggest":
            months = archive.group_archive_months(group)
            year, month, count = max(months, key=lambda row: row[2])
            posts = db.session.scalar(mbox_export.group_posts(group)
                                      .with_only_columns(func.count(Post.id)))
            print(json.dumps({"name": group.name, "posts": posts, "year": year,
                              "month": month, "month_threads": count}))
            return
        before = peak_rss_mb(os.getpid())
        started = time.perf_counter()
        stmt = mbox_export.group_posts(group)
        if what[0] == "joined":
            size = len(joined(db.session, stmt))
        else:
            size = sum(len(chunk) for chunk in mbox_export.export_mbox(db.engine, stmt))
        print(json.dumps({"peak_mb": peak_rss_mb(os.getpid()), "rss_before_mb": before,
                          "seconds": time.perf_counter() - started, "bytes": size}))


def joined(session, stmt) -> bytes:
    """The group's mbox built whole: every post read at once, then joined."""
    from forum.services import mbox_export

    posts = list(session.scalars(stmt.order_by("id")).unique())
    chains = mbox_export.ancestor_chains(session, posts)
    return b"".join(mbox_export.format_message(post, chains[post.id])
                    for post in posts)


if __name__ == "__main__":
    main_or_child(main, child)
