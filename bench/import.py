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
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GEN = REPO.parent / "shared" / "bench" / "gen_corpus.py"
PG_ADMIN = os.environ.get(
    "FORUM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def main() -> None:
    args = parse_args()
    if args.child:
        child(args)
        return
    mbox = Path(args.mbox) if args.mbox else corpus(args.messages)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"corpus: {mbox} ({mbox.stat().st_size / 1e6:.1f} MB)")
    for backend in backends:
        runs = [run_child(backend, mbox) for _ in range(args.repeat)]
        runs = [r for r in runs if r]
        for r in runs:
            print(f"  {backend:10} read {r['read']:>7} imported {r['imported']:>7} "
                  f"in {r['seconds']:7.1f}s = {r['rate']:7.0f} msg/s, "
                  f"peak RSS {r['peak_mb']:.0f} MB")
        if runs:
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
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    return parser.parse_args()


def corpus(messages: int) -> Path:
    """The deterministic synthetic corpus the peers were measured on (seed 1)."""
    path = Path(tempfile.gettempdir()) / f"forum-bench-{messages}-s1.mbox"
    if not path.exists():
        subprocess.run([sys.executable, str(GEN), "--messages", str(messages),
                        "--seed", "1", "--out", str(path), "--quiet"], check=True)
    return path


def run_child(backend: str, mbox: Path) -> dict | None:
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = make_database(backend, Path(tmp))
        try:
            out = subprocess.run(
                [sys.executable, __file__, "--child", "--url", url,
                 "--mbox", str(mbox)],
                check=True, capture_output=True, text=True, cwd=REPO,
            ).stdout
            return json.loads(out.strip().splitlines()[-1])
        except subprocess.CalledProcessError as exc:
            print(f"  {backend}: failed: {exc.stderr[-2000:]}")
            return None
        finally:
            drop()


def make_database(backend: str, tmp: Path):
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'bench.sqlite'}", lambda: None
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"forum_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", drop


def child(args) -> None:
    sys.path.insert(0, str(REPO))
    from forum import create_app
    from forum.extensions import db
    from forum.migrate import upgrade
    from importers.runner import ImportOptions, ImportRunner

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "FORUM_DATA_DIR": tmp,
                          # Storing only; bench/search.py measures import+index.
                          "FORUM_SEARCH_BACKEND": "null"})
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            report = ImportRunner(db.session, ImportOptions(group="bench")).run(
                [args.mbox]
            )
            seconds = time.perf_counter() - started
            db.engine.dispose()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "read": report.read, "imported": report.imported,
        "duplicates": report.duplicates, "quarantined": report.quarantined,
        "seconds": seconds, "rate": report.read / seconds,
        "peak_mb": peak_kb / 1024, "balanced": report.balanced(),
    }))


if __name__ == "__main__":
    main()
