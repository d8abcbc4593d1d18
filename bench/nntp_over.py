"""OVER of a 10,000-article group from `flask nntp serve`, over a real socket.

    .venv/bin/python bench/nntp_over.py                     # 10,000 messages, SQLite
    .venv/bin/python bench/nntp_over.py --data-dir /tmp/nntp-bench-10k   # keep/reuse
    .venv/bin/python bench/nntp_over.py --database-url postgresql+psycopg://...
    .venv/bin/python bench/nntp_over.py --slrnpull          # and pull it all

1. The archive: the deterministic corpus (../shared/bench/gen_corpus.py
   --messages N --seed 1; an mbox imports as one group, so the group holds
   every post) imported with `flask import`, or reused from --data-dir.
2. The server: `flask --app forum nntp serve --no-warm` on a free loopback
   port (nothing rendered ahead).
3. On one connection: GROUP, then `OVER low-high` for the whole group: the
   first (every overview rendered: bodies masked, sizes counted) and
   --rounds more (overviews kept in memory, the posts still read and
   checked).  Every answer must list every article.  Beside it, in the same
   run: HEAD of --heads articles one by one (a reader without OVER), per
   article and extrapolated to the group, and a check that ARTICLE's size
   matches :bytes for those articles.
4. With --slrnpull: Debian's slrnpull pulls the whole group into a scratch
   spool; the spooled count and each file's size (LF line ends) are checked
   against OVER's count and :bytes.
5. The server again, as `flask nntp serve` starts by default (--warm: the
   newest overviews rendered in the background at start): once its log says
   they are ready, the first OVER of the group.
Prints each figure and the load average: the machine's two cores are
shared, so compare figures from one run.
"""

from __future__ import annotations

import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402 - bench scripts run as files
    BIN,
    archive_arguments,
    listening,
    load,
    prepared_archive,
)

TARGET_S = 1.0


class Connection:
    """A minimal NNTP client: what the figures need, nothing in between."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=600)
        self.file = self.sock.makefile("rwb")
        self.greeting = self.file.readline().decode().strip()

    def command(self, line: str) -> str:
        self.file.write(line.encode() + b"\r\n")
        self.file.flush()
        return self.file.readline().decode().rstrip()

    def data(self) -> list[bytes]:
        lines = []
        while (line := self.file.readline()) != b".\r\n":
            lines.append(line)
        return lines


def main() -> None:
    args = parse_args()
    with prepared_archive(args, "forum-nntp-bench-") as (data, env):
        with serving(env, data / "bench-nntp-cold.log", "--no-warm") as port:
            name, overviews = measure(port, args)
            if args.slrnpull:
                compare_slrnpull(port, name, overviews)
        log = data / "bench-nntp-warm.log"
        with serving(env, log, "--warm") as port:
            took = wait_for_warm_up(log)
            conn = Connection(port)
            low, high = overviews[0][0], overviews[-1][0]
            conn.command(f"GROUP {name}")
            first = timed_over(conn, low, high, len(overviews))[0]
            conn.command("QUIT")
            print(f"with --warm (overviews rendered at start, {took:.1f} s after "
                  f"it): first OVER {low}-{high}: {first:.3f} s (load {load()})")


@contextmanager
def serving(env: dict, log: Path, *options: str) -> Iterator[int]:
    """`flask nntp serve OPTIONS` on a free port, stopped afterwards."""
    with listening(lambda port: [str(BIN / "flask"), "--app", "forum", "nntp",
                                 "serve", "--port", str(port), *options],
                   env, log) as (port, _proc):
        yield port


def wait_for_warm_up(log: Path, timeout: float = 600.0) -> float:
    """Seconds until the server's log says its overviews are ready."""
    started = time.perf_counter()
    while "overviews of" not in log.read_text():
        if time.perf_counter() - started > timeout:
            sys.exit(f"no warm-up line in {log} after {timeout:.0f} s")
        time.sleep(0.1)
    return time.perf_counter() - started


def measure(port: int, args) -> tuple[str, list[list[str]]]:
    """The figures of step 3; the group's name and its overview lines."""
    conn = Connection(port)
    print(f"greeting: {conn.greeting}")
    conn.command("LIST")
    groups = [line.decode().split() for line in conn.data()]
    name, high, low, _ = max(groups, key=lambda g: int(g[1]) - int(g[2]))
    status = conn.command(f"GROUP {name}")
    count = int(status.split()[1])
    print(f"group {name}: {status} (load {load()})")
    first, overviews = timed_over(conn, low, high, count)
    print(f"OVER {low}-{high}, first: {first:.3f} s ({len(overviews)} lines)")
    warm = [timed_over(conn, low, high, count)[0] for _ in range(args.rounds)]
    median = statistics.median(warm)
    print(f"OVER {low}-{high}, again x{len(warm)}: median {median:.3f} s  "
          f"min {min(warm):.3f} s  max {max(warm):.3f} s  "
          f"[{' '.join(f'{w:.3f}' for w in warm)}]")
    print(f"target < {TARGET_S:.1f} s for {count} articles: first "
          f"{'met' if first < TARGET_S else 'MISSED'}, median "
          f"{'met' if median < TARGET_S else 'MISSED'} (load {load()})")
    heads(conn, overviews[:args.heads], count, median)
    conn.command("QUIT")
    return name, overviews


def timed_over(conn: Connection, low: str, high: str,
               count: int) -> tuple[float, list[list[str]]]:
    started = time.perf_counter()
    status = conn.command(f"OVER {low}-{high}")
    lines = conn.data()
    took = time.perf_counter() - started
    if not status.startswith("224") or len(lines) != count:
        sys.exit(f"OVER answered {status!r} with {len(lines)} lines, not {count}")
    return took, [line.decode("utf-8").rstrip("\r\n").split("\t") for line in lines]


def heads(conn: Connection, overviews: list[list[str]], count: int,
          over_median: float) -> None:
    """HEAD one by one (what a reader without OVER does), and ARTICLE's size
    against :bytes for the same articles."""
    started = time.perf_counter()
    for fields in overviews:
        if not conn.command(f"HEAD {fields[0]}").startswith("221"):
            sys.exit(f"HEAD {fields[0]} failed")
        conn.data()
    each = (time.perf_counter() - started) / len(overviews)
    print(f"HEAD one by one: {each * 1000:.2f} ms per article over "
          f"{len(overviews)}; {each * count:.1f} s for {count} "
          f"({each * count / over_median:.0f}x the OVER median)")
    wrong = 0
    for fields in overviews:
        conn.command(f"ARTICLE {fields[0]}")
        lines = conn.data()
        size = sum(len(line) - line.startswith(b"..") for line in lines)
        wrong += size != int(fields[6])
    print(f"ARTICLE size == :bytes for {len(overviews) - wrong} of "
          f"{len(overviews)} articles")


def compare_slrnpull(port: int, name: str, overviews: list[list[str]]) -> None:
    """slrnpull the group; its files against OVER's count and :bytes."""
    binary = shutil.which("slrnpull")
    if binary is None:
        print("slrnpull: not installed, skipped")
        return
    with tempfile.TemporaryDirectory(prefix="forum-nntp-spool-") as spool:
        root = Path(spool)
        (root / "slrnpull.conf").write_text(f"{name} 0 0 0\n")
        started = time.perf_counter()
        subprocess.run([binary, "-d", spool, "-h", f"127.0.0.1:{port}", "--no-post"],
                       check=True, capture_output=True, timeout=3600)
        took = time.perf_counter() - started
        folder = root / "news" / name.replace(".", "/")
        files = {int(p.name): p.read_bytes() for p in folder.iterdir()
                 if p.name.isdigit()}
    expected = {int(f[0]): int(f[6]) for f in overviews}
    spooled = {n: len(c) + c.count(b"\n") for n, c in files.items()}
    same = sum(spooled.get(n) == size for n, size in expected.items())
    print(f"slrnpull {name}: {len(files)} files in {took:.1f} s for "
          f"{len(expected)} articles served; {same} of {len(expected)} the size "
          f":bytes gives (LF counted as CRLF); spooled {sum(map(len, files.values()))} "
          f"bytes, served {sum(expected.values())} with CRLF")


def parse_args():
    parser = archive_arguments(__doc__, rounds=7)
    parser.set_defaults(messages=10_000)
    parser.add_argument("--heads", type=int, default=500,
                        help="articles fetched with HEAD one by one")
    parser.add_argument("--slrnpull", action="store_true",
                        help="also pull the whole group with slrnpull")
    return parser.parse_args()


if __name__ == "__main__":
    main()
