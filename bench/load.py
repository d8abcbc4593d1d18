"""Readers, moderators and an import at once against a real gunicorn.

    python bench/load.py --db sqlite --base 10000 --import-messages 5000

Imports a base archive (the seed-1 corpus), starts gunicorn with several
workers, then runs 8 reader clients and 2 moderators: first for a quiet
period, then while `flask import` stores a second corpus (seed 2).  Prints the
request count, responses with 5xx, reader latency (p50/p95) with and without
the import, the moderators' actions and how many of them the database lost,
and the import's outcome.  Exit status 1 if any request answered 5xx, any
action was lost or the import did not finish.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import GEN, SHARED, clean_env, corpus, database, gunicorn, load, run_flask
from loadgen import Load, check_moderation, percentile, site_from

PASSWORD = "load-test-password-1"


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="forum-load-") as tmp:
        folder = Path(tmp)
        with database(args.db, folder) as url:
            ok = run(args, folder, url)
    sys.exit(0 if ok else 1)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--base", type=int, default=10_000,
                        help="messages in the archive before the run")
    parser.add_argument("--import-messages", type=int, default=5_000,
                        help="messages the import stores during the run")
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--moderators", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--quiet-seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=5.0,
                        help="seconds of reading before samples are kept")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a reader waits between two requests "
                             "(0: each reader asks again as soon as answered)")
    return parser.parse_args()


def flask(env: dict, *args: str, stdin: str | None = None) -> str:
    return run_flask(env, *args, stdin=stdin, ok=(0, 1)).strip()


def prepare(args, folder: Path, env: dict) -> Path:
    print(f"base archive: {args.base:,} messages ({args.db})", flush=True)
    print("  " + flask(env, "import", str(corpus(args.base))).splitlines()[0])
    for n in range(args.moderators):
        flask(env, "users", "create", f"mod{n + 1}", "--role", "moderator",
              "--password-stdin", stdin=PASSWORD + "\n")
    extra = folder / "to-import.mbox"
    subprocess.run([sys.executable, str(GEN), "--messages",
                    str(args.import_messages), "--seed", "2", "--out", str(extra),
                    "--quiet"], check=True)
    return extra


def queries() -> list[str]:
    lines = (SHARED / "bench_queries.txt").read_text(encoding="utf-8").splitlines()
    return [q.strip() for q in lines if q.strip() and not q.startswith("#")]


def run(args, folder: Path, url: str) -> bool:
    env = clean_env(folder / "data", DATABASE_URL=url)
    extra = prepare(args, folder, env)
    site = site_from(url, queries())
    with gunicorn(env, args.workers, folder / "gunicorn.log") as (port, _proc):
        state = Load(port, site)
        threads = start(state, args)
        time.sleep(args.warmup)  # every worker's first requests open its caches
        del state.samples[:]
        time.sleep(args.quiet_seconds)
        state.importing.set()
        started = time.perf_counter()
        report = flask(env, "import", str(extra)).splitlines()[0]
        took = time.perf_counter() - started
        state.importing.clear()
        time.sleep(min(5.0, args.quiet_seconds / 4))
        state.stop.set()
        for thread in threads:
            thread.join(timeout=120)
    return summarise(args, state, url, report, took)


def start(state: Load, args) -> list[threading.Thread]:
    threads = [threading.Thread(target=state.read, args=(seed, args.think))
               for seed in range(args.readers)]
    # Readers never ask for the posts moderators hide (those answer 404).
    mine = state.site.set_aside(12 * args.moderators)
    for n in range(args.moderators):
        own = mine[n * 12:(n + 1) * 12]
        threads.append(threading.Thread(target=state.moderate,
                                        args=(f"mod{n + 1}", PASSWORD, own)))
    for thread in threads:
        thread.start()
    return threads


def summarise(args, state: Load, url: str, report: str, took: float) -> bool:
    samples = state.samples
    errors = [s for s in samples if s.status >= 500]
    errors += [a for a in state.actions if a.status >= 500]
    quiet = [s.seconds * 1000 for s in samples if not s.importing]
    busy = [s.seconds * 1000 for s in samples if s.importing]
    lost = check_moderation(url, state.actions)
    done = sum(a.status == 302 for a in state.actions)
    other = sorted({a.status for a in state.actions if a.status not in (302, 500)})
    print(f"\nload on {args.db}: {args.workers} gunicorn workers, {args.readers} "
          f"readers (think {args.think * 1000:.0f} ms), {args.moderators} "
          f"moderators; machine load {load()}")
    print(f"  requests: {len(samples):,} reader + {len(state.actions)} moderator; "
          f"5xx: {len(errors)}")
    print(f"  reader latency without import: p50 {percentile(quiet, 50):.0f} ms, "
          f"p95 {percentile(quiet, 95):.0f} ms ({len(quiet):,} requests)")
    print(f"  reader latency during import:  p50 {percentile(busy, 50):.0f} ms, "
          f"p95 {percentile(busy, 95):.0f} ms ({len(busy):,} requests)")
    print_by_kind(samples)
    print(f"  moderator actions: {done} answered 302"
          + (f", others answered {other}" if other else "")
          + f"; lost: {len(lost)}")
    for line in lost[:10]:
        print(f"    {line}")
    print(f"  import ({took:.1f} s): {report}")
    for line in state.errors[:10]:
        print(f"  client error: {line}")
    finished = "imported" in report
    return not errors and not lost and finished and not state.errors


def print_by_kind(samples) -> None:
    """p50/p95 per kind of page, quiet and during the import."""
    kinds: dict[str, dict[bool, list[float]]] = {}
    for s in samples:
        kind = kind_of(s.path)
        kinds.setdefault(kind, {False: [], True: []})[s.importing].append(
            s.seconds * 1000)
    for kind, by in sorted(kinds.items()):
        quiet, busy = by[False], by[True]
        print(f"    {kind:<18} quiet p50 {percentile(quiet, 50):5.0f} "
              f"p95 {percentile(quiet, 95):5.0f} ms | importing p50 "
              f"{percentile(busy, 50):5.0f} p95 {percentile(busy, 95):5.0f} ms")


def kind_of(path: str) -> str:
    parts = path.split("?")[0].strip("/").split("/")
    if path.endswith("feed.atom"):
        return f"{parts[0]} feed"
    if parts[0] == "api":
        return f"api {parts[2]}"
    return {"": "home", "g": "group", "t": "thread", "p": "post",
            "search": "search"}.get(parts[0], parts[0])


if __name__ == "__main__":
    main()
