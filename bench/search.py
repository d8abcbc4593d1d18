"""Import-to-searchable rate, index size and query latency over HTTP.

    .venv/bin/python bench/search.py                     # the 100,000-message corpus
    .venv/bin/python bench/search.py --messages 10000 --rounds 3
    .venv/bin/python bench/search.py --mbox some.mbox --malloc-tuning
    .venv/bin/python bench/search.py --data-dir /tmp/b100k   # keep (or reuse) data

1. A child process imports the corpus with `ImportRunner` into a fresh SQLite
   database and a fresh on-disk index (FORUM_DATA_DIR in a temporary folder).
   The import indexes each batch as it goes, so the clock stops when the import
   ends; a count of indexed posts against visible posts and a search then check
   that the whole archive is searchable.  `--malloc-tuning` runs the import a
   second time with MALLOC_* variables telling glibc malloc to keep its memory
   (issue 4's notes); the first run takes the environment as it is, without them.
2. The index folder's size per 1,000 indexed posts.
3. A real server (`gunicorn -w 1` on a free loopback port) over that data; after
   a warm-up pass, every reference query (../shared/bench/bench_queries.txt)
   and extra query (bench/queries_extra.txt) is fetched as the search page and
   through the API, `--rounds` times, over one keep-alive http.client
   connection (gunicorn's sync worker closes it after each response, so the
   client reconnects; the connects are counted).  Prints median and p95 per
   route and per query set, the warm-up round's times (each query's first
   request, which a result cache could not have answered), the slowest
   queries, and a table against the peers.  The server is stopped at the end,
   also on error.

The import's wall time is split, without a profiler, by timing the runner's
indexing steps that exist in the code under test (PHASES); the indexer child's
CPU time and page faults come from the import child's waited-for children.
"""

from __future__ import annotations

import argparse
import http.client
import importlib
import json
import math
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote_plus

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "bench"
GEN = SHARED / "gen_corpus.py"
REFERENCE_QUERIES = SHARED / "bench_queries.txt"
EXTRA_QUERIES = Path(__file__).resolve().parent / "queries_extra.txt"
GUNICORN = Path(sys.executable).parent / "gunicorn"
MALLOC_TUNING = {
    "MALLOC_MMAP_THRESHOLD_": "268435456",
    "MALLOC_TRIM_THRESHOLD_": "1073741824",
    "MALLOC_TOP_PAD_": "268435456",
}
# Steps of the import timed in the child, where this version has them:
# key -> (module, attribute, label).  Keys in TOP_LEVEL add up with the rest of
# the main process to the wall time; documents_s is inside one of them.
PHASES = {
    "send_s": ("importers.runner", "send_to_bulk", "hand batches to the indexer"),
    "documents_s": ("forum.services.search", "documents_for",
                    "(of which documents from the db)"),
    "close_s": ("forum.search.whoosh_backend", "BulkIndexer.close",
                "wait for the indexer at the end"),
}
TOP_LEVEL = ("send_s", "close_s")
ROUTES = {"page": "/search?q=", "api": "/api/v1/search?q="}
PEERS = [
    ("public-inbox (Xapian)", "1,000", "7.8", "23", "-"),
    ("HyperKitty (Whoosh)", "39", "596", "854", "-"),
    ("target", ">= 450", "<= 8", "<= 25", "< 5"),
]


def main() -> None:
    args = parse_args()
    if args.child:
        child(Path(args.data_dir), Path(args.mbox))
        return
    print(f"load average at start: {load()} ({os.cpu_count()} cores)")
    with data_folder(args.data_dir) as data:
        imported = None if has_archive(data) else import_phase(args, data)
        measure(args, data, imported)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--mbox", help="import this file instead of the synthetic one")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--malloc-tuning", action="store_true",
                        help="also import with glibc malloc keeping its memory")
    parser.add_argument("--data-dir", help="import into this folder and keep it; "
                        "if it already holds an archive, only measure queries")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@contextmanager
def data_folder(kept: str | None):
    """The given folder (kept afterwards), or a temporary one."""
    if kept:
        yield Path(kept)
        return
    with tempfile.TemporaryDirectory(prefix="forum-search-bench-") as tmp:
        yield Path(tmp)


def measure(args, data: Path, imported: dict | None) -> None:
    posts = imported["indexed"] if imported else count_posts(data)
    mb_per_1k = print_index_size(data, posts)
    queries = load_queries()
    try:
        with server(data) as port:
            run_queries(port, queries, args.rounds)
    except RuntimeError as exc:
        sys.exit(f"query benchmark stopped: {exc}")
    print_peers(imported, mb_per_1k, queries)


# -- 1. import to searchable ---------------------------------------------------------


def corpus(messages: int) -> Path:
    """The deterministic synthetic corpus the peers were measured on (seed 1)."""
    path = Path(tempfile.gettempdir()) / f"forum-bench-{messages}-s1.mbox"
    if not path.exists():
        subprocess.run([sys.executable, str(GEN), "--messages", str(messages),
                        "--seed", "1", "--out", str(path), "--quiet"], check=True)
    return path


def import_phase(args, data: Path) -> dict:
    """Import once (twice with --malloc-tuning); returns the first run's figures."""
    mbox = Path(args.mbox) if args.mbox else corpus(args.messages)
    print(f"corpus: {mbox} ({mbox.stat().st_size / 1e6:.1f} MB)")
    print("import to searchable (SQLite, on-disk Whoosh, fresh, one child each):")
    result = import_child(mbox, data, tuned=False)
    if args.malloc_tuning:
        with tempfile.TemporaryDirectory(prefix="forum-search-bench-") as tmp:
            import_child(mbox, Path(tmp), tuned=True)
    return result


def import_child(mbox: Path, data: Path, tuned: bool) -> dict:
    env = clean_env(data)
    if tuned:
        env.update(MALLOC_TUNING)
    label = "malloc tuned" if tuned else "env as is"
    proc = subprocess.run(
        [sys.executable, __file__, "--child", "--data-dir", str(data),
         "--mbox", str(mbox)],
        capture_output=True, text=True, cwd=REPO, env=env,
    )
    if proc.returncode:
        sys.exit(f"  {label}: import failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print_import(label, result)
    return result


def clean_env(data: Path) -> dict:
    """The environment without settings that would point away from `data`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FORUM_", "MALLOC_")) and k != "DATABASE_URL"}
    env["FORUM_DATA_DIR"] = str(data)
    return env


def print_import(label: str, r: dict) -> None:
    print(f"  {label:14} read {r['read']} imported {r['imported']} in "
          f"{r['seconds']:.1f} s = {r['rate']:.0f} msg/s to searchable "
          f"(load {r['load']})")
    main_s = r["seconds"] - sum(r.get(key, 0.0) for key in TOP_LEVEL)
    phases = [f"parse+store+thread {main_s:.1f} s"] + [
        f"{PHASES[key][2]} {r[key]:.1f} s" for key in PHASES if key in r]
    print(f"  {'':14} wall: {', '.join(phases)}")
    for who in ("importer", "indexer"):
        u = r[who]
        print(f"  {'':14} {who} cpu user {u['user_s']:.1f} s sys {u['sys_s']:.1f} s"
              f", minor faults {u['minflt'] / 1e6:.1f} M, "
              f"peak RSS {u['peak_mb']:.0f} MB")
    print(f"  {'':14} searchable at the end: {r['indexed']} indexed of "
          f"{r['visible']} visible posts; 'magnesium' finds {r['magnesium']}"
          f" -> {'OK' if r['searchable'] else 'NOT COMPLETE'}")


def child(data: Path, mbox: Path) -> None:
    """Runs in the child: the timed import, then the searchability check."""
    app = bench_app(data)
    from forum.extensions import db
    from forum.migrate import upgrade
    from importers.runner import ImportOptions, ImportRunner

    timers = install_phase_timers()
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        report = ImportRunner(db.session, ImportOptions(group="bench")).run([mbox])
        seconds = time.perf_counter() - started
        result = {"read": report.read, "imported": report.imported,
                  "seconds": seconds, "rate": report.read / seconds,
                  "load": load(), **timers, **searchability(db.session)}
        db.engine.dispose()
    result["importer"] = usage(resource.RUSAGE_SELF)
    result["indexer"] = usage(resource.RUSAGE_CHILDREN)
    print(json.dumps(result))


def bench_app(data: Path):
    """The app over the benchmark's SQLite database and index in `data`."""
    sys.path.insert(0, str(REPO))
    from forum import create_app

    return create_app({"FORUM_DATA_DIR": str(data),
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data / 'forum.sqlite'}"})


def install_phase_timers() -> dict:
    """Wrap the import's indexing steps that exist in this version with timers."""
    totals: dict[str, float] = {}
    for key, (module, dotted, _label) in PHASES.items():
        owner = importlib.import_module(module)
        *path, name = dotted.split(".")
        for part in path:
            owner = getattr(owner, part, None)
        if owner is not None and hasattr(owner, name):
            totals[key] = 0.0
            setattr(owner, name, timed(getattr(owner, name), totals, key))
    return totals


def timed(func, totals: dict, key: str):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            totals[key] += time.perf_counter() - started
    return wrapper


def searchability(session) -> dict:
    """Every visible post is in the index, and a query finds posts."""
    from sqlalchemy import func, select

    from forum.models import Post
    from forum.search import get_index
    from forum.search.query import parse_query

    index = get_index()
    visible = session.scalar(select(func.count()).select_from(Post).where(
        Post.is_hidden.is_(False), Post.is_ghost.is_(False)))
    indexed = len(index.stamps())
    found = index.search(parse_query("magnesium"), limit=1, facets=False).total
    return {"visible": visible, "indexed": indexed, "magnesium": found,
            "searchable": indexed == visible and found > 0}


def usage(who: int) -> dict:
    """CPU, minor page faults and peak RSS of this process or its waited children."""
    me = resource.getrusage(who)
    return {"user_s": me.ru_utime, "sys_s": me.ru_stime, "minflt": me.ru_minflt,
            "peak_mb": me.ru_maxrss / 1024}


def has_archive(data: Path) -> bool:
    return (data / "forum.sqlite").exists() and (data / "index").is_dir()


def count_posts(data: Path) -> int:
    """Indexed posts in an existing data folder (a reused --data-dir)."""
    app = bench_app(data)
    from forum.search import get_index

    with app.app_context():
        return len(get_index().stamps())


# -- 2. index size -------------------------------------------------------------------


def print_index_size(data: Path, posts: int) -> float:
    index_mb = folder_mb(data / "index")
    db_mb = (data / "forum.sqlite").stat().st_size / 1e6
    segments = len(list((data / "index").glob("*.seg")))
    mb_per_1k = index_mb * 1000 / max(posts, 1)
    print(f"index: {index_mb:.1f} MB for {posts} posts = {mb_per_1k:.2f} MB per "
          f"1,000 posts ({segments} segment files; SQLite database {db_mb:.1f} MB)")
    return mb_per_1k


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


# -- 3. query latency over HTTP --------------------------------------------------------


@dataclass
class Query:
    text: str
    group: str
    samples: dict[str, list[float]] = field(default_factory=dict)
    totals: dict[str, object] = field(default_factory=dict)


def load_queries() -> list[Query]:
    """Reference queries, then the extra ones, each tagged with its set."""
    queries = [Query(q, "reference") for _, q in read_queries(REFERENCE_QUERIES)]
    queries += [Query(q, group) for group, q in read_queries(EXTRA_QUERIES)]
    return queries


def read_queries(path: Path) -> list[tuple[str, str]]:
    group, found = "extra", []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#:"):
            group = line[2:].strip()
        elif line and not line.startswith("#"):
            found.append((group, line))
    return found


@contextmanager
def server(data: Path):
    """gunicorn -w 1 on a free loopback port over `data`; always stopped."""
    port, log_path = free_port(), data / "gunicorn.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [str(GUNICORN), "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=REPO, env=clean_env(data), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_up(port, proc, log_path)
            yield port
        finally:
            stop(proc)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, proc, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not listen within {timeout:.0f} s")


def stop(proc) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Client:
    """One keep-alive connection; reconnects only when the server closes it."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.connects = self.requests = 0

    def get(self, path: str) -> tuple[int, bytes, float]:
        self.connects += self.conn.sock is None
        self.requests += 1
        started = time.perf_counter()
        self.conn.request("GET", path)
        response = self.conn.getresponse()
        body = response.read()
        return response.status, body, (time.perf_counter() - started) * 1000

    def close(self) -> None:
        self.conn.close()


def run_queries(port: int, queries: list[Query], rounds: int) -> None:
    client = Client(port)
    try:
        check_routes(client)
        for query in queries:  # warm-up; also the first time the server sees it
            fetch_all(client, query, cold=True)
        for _ in range(rounds):
            for query in queries:
                fetch_all(client, query)
    finally:
        client.close()
    print(f"queries: {len(queries)} ({count_groups(queries)}), {rounds} round(s) "
          f"after 1 warm-up round, gunicorn -w 1 on 127.0.0.1:{port}, "
          f"{client.connects} connects for {client.requests} requests "
          f"(load {load()})")
    print_latency(queries)


def check_routes(client: Client) -> None:
    for kind, route in ROUTES.items():
        status, body, _ = client.get(route + "vitamin")  # opens the searcher
        if status != 200:
            raise RuntimeError(f"{kind} route {route} answered {status}: "
                               f"{body[:300]!r}")


def fetch_all(client: Client, query: Query, cold: bool = False) -> None:
    """Fetch the query as page and API; the warm-up round's times are "cold"."""
    for kind, route in ROUTES.items():
        status, body, ms = client.get(route + quote_plus(query.text))
        query.samples.setdefault(f"{kind} cold" if cold else kind, []).append(ms)
        if status != 200:
            query.totals[kind] = f"HTTP {status}"
        elif kind == "api":
            query.totals[kind] = json.loads(body).get("total", "?")


def count_groups(queries: list[Query]) -> str:
    counts = Counter(query.group for query in queries)
    return ", ".join(f"{n} {group}" for group, n in counts.items())


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: the value at or below which pct% of samples lie."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> str:
    return (f"median {statistics.median(values):7.1f} ms  "
            f"p95 {percentile(values, 95):7.1f} ms  max {max(values):7.1f} ms  "
            f"(n={len(values)})")


def print_latency(queries: list[Query]) -> None:
    for kind, route in ROUTES.items():
        print(f"  {kind:4} {route:18} {'all':10} {summary(samples(queries, kind))}")
        for group in dict.fromkeys(q.group for q in queries):
            chosen = [q for q in queries if q.group == group]
            print(f"  {'':23} {group:10} {summary(samples(chosen, kind))}")
        cold = summary(samples(queries, f"{kind} cold"))
        print(f"  {'':23} {'first seen':10} {cold}  (warm-up round)")
    print_failures(queries)
    print_slowest(queries)


def samples(queries: list[Query], kind: str) -> list[float]:
    return [ms for q in queries for ms in q.samples.get(kind, [])]


def print_failures(queries: list[Query]) -> None:
    failed = [(q.text, kind, total) for q in queries
              for kind, total in q.totals.items() if str(total).startswith("HTTP")]
    for text, kind, status in failed:
        print(f"  ! {kind} {text!r} answered {status}")


def print_slowest(queries: list[Query], count: int = 5) -> None:
    print(f"  slowest {count} (median over rounds; total hits from the API):")
    ranked = sorted(queries, key=lambda q: -statistics.median(q.samples["page"]))
    for q in ranked[:count]:
        print(f"    page {statistics.median(q.samples['page']):7.1f} ms  "
              f"api {statistics.median(q.samples['api']):7.1f} ms  "
              f"{q.totals.get('api', '?')!s:>7} hits  [{q.group}] {q.text}")


def print_peers(imported: dict | None, mb_per_1k: float,
                queries: list[Query]) -> None:
    """The peers' figures (same corpus, this kind of machine), then this run's."""
    print("against the peers (same corpus, this kind of machine):")
    rate = f"{imported['rate']:.0f}" if imported else "-"
    rows = list(PEERS)
    for kind in ROUTES:
        values = samples(queries, kind)
        rows.append((f"this run ({kind})", rate if kind == "page" else "",
                     f"{statistics.median(values):.1f}",
                     f"{percentile(values, 95):.1f}",
                     f"{mb_per_1k:.2f}" if kind == "page" else ""))
    print(f"  {'':22} {'import msg/s':>12} {'median ms':>10} {'p95 ms':>8} "
          f"{'MB/1k posts':>12}")
    for name, rate, median, p95, size in rows:
        print(f"  {name:22} {rate:>12} {median:>10} {p95:>8} {size:>12}")


if __name__ == "__main__":
    main()
