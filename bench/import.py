"""Import throughput and peak memory, on SQLite and PostgreSQL.

    .venv/bin/python bench/import.py --messages 100000 --repeat 3
    .venv/bin/python bench/import.py --mbox some.mbox --backend sqlite

Each run imports into a fresh database in a child process (so peak memory is that
run's own), parsing, deduplicating, threading and storing every message: the full
`flask import` path with search switched off (bench/search.py measures the import
with indexing, "import-to-searchable").  Prints one line per run and the median
per backend.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402 - bench scripts run as files
    app_session,
    corpus,
    database,
    main_or_child,
    run_child,
    timed_import,
)


def main() -> None:
    args = parse_args()
    mbox = Path(args.mbox) if args.mbox else corpus(args.messages)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"corpus: {mbox} ({mbox.stat().st_size / 1e6:.1f} MB)")
    for backend in backends:
        runs = [import_once(backend, mbox) for _ in range(args.repeat)]
        for r in runs:
            print(f"  {backend:10} read {r['read']:>7} imported {r['imported']:>7} "
                  f"in {r['seconds']:7.1f}s = {r['rate']:7.0f} msg/s, "
                  f"peak RSS {r['peak_mb']:.0f} MB")
        print(f"{backend}: median {statistics.median(r['rate'] for r in runs):.0f}"
              f" msg/s, median peak RSS "
              f"{statistics.median(r['peak_mb'] for r in runs):.0f} MB "
              f"over {len(runs)} run(s)")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--mbox", help="import this file instead of the synthetic one")
    parser.add_argument("--backend", default="both",
                        choices=["sqlite", "postgresql", "both"])
    parser.add_argument("--repeat", type=int, default=1)
    return parser.parse_args()


def import_once(backend: str, mbox: Path) -> dict:
    """One import into a fresh database of `backend`, in a child process."""
    with tempfile.TemporaryDirectory() as tmp, database(backend, Path(tmp)) as url:
        return run_child(__file__, dict(os.environ), url, str(mbox))


def child(what: list[str]) -> None:
    url, mbox = what
    with tempfile.TemporaryDirectory() as tmp, app_session(
            {"SQLALCHEMY_DATABASE_URI": url, "FORUM_DATA_DIR": tmp,
             # Storing only; bench/search.py measures import+index.
             "FORUM_SEARCH_BACKEND": "null"}, upgrade=True) as session:
        report, seconds = timed_import(session, mbox)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "read": report.read, "imported": report.imported,
        "duplicates": report.duplicates, "quarantined": report.quarantined,
        "seconds": seconds, "rate": report.read / seconds,
        "peak_mb": peak_kb / 1024, "balanced": report.balanced(),
    }))


if __name__ == "__main__":
    main_or_child(main, child)
