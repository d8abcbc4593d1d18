"""Search at archive scale, backend by backend, side by side in one run.

    .venv/bin/python bench/search.py      # 100,000 posts: tantivy, postgres, whoosh
    .venv/bin/python bench/search.py --backend tantivy,postgres --repeat 3
    .venv/bin/python bench/search.py --backend tantivy --messages 1000000
    .venv/bin/python bench/search.py --messages 10000 --backend tantivy  # quick look

For each backend in turn, on the deterministic corpus (../shared/bench/
gen_corpus.py --messages N --seed 1; the peers' figures were measured on it):

1. Import to searchable.  A child process imports the corpus into a fresh
   database (SQLite beside the index for tantivy and whoosh, a new PostgreSQL
   database for postgres) with `ImportRunner`, citation scan and claim hints
   on, as `flask import` does.  The clock stops when the import returns, and
   the import returns when every post is searchable; `search verify` then
   checks that nothing is missing (up to 200,000 posts; beyond, indexed
   against visible counts).  CPU and peak RSS are the importer's own and its
   helper processes' (reader, indexer).  --repeat N imports N times: medians.
2. Index size: MB per 1,000 posts (tantivy's folder, Whoosh's, or the
   PostgreSQL tables' total size).
3. Latency over HTTP.  A fresh `gunicorn -w 1` serves the archive; every
   query (the 50 reference queries and bench/queries_extra.txt) is fetched
   once as the search page and once through /api/v1/search: each is that
   server's first request for the query.  That is done --cold-rounds times,
   a new server each time, then --rounds more rounds on the last server
   (warm).  Answers other than 200 are reported; totals are compared across
   backends at the end.
4. Throughput: `gunicorn -w 2`, 16 clients at once (wrk, from Debian's
   package, cycling through the queries; Python threads if wrk is absent)
   for --seconds; requests per second and the share that failed.
5. Peak RSS of every process: importer, its helpers, each gunicorn worker.

Then one table for all backends, with each figure's ratio to Whoosh's where
Whoosh ran.  Absolute times move with the machine's neighbours; ratios in
one run do not.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote_plus

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402 - bench scripts run as files
    SHARED,
    MemorySampler,
    app_session,
    children_of,
    clean_env,
    corpus,
    database,
    gunicorn,
    load,
    main_or_child,
    peak_rss_mb,
    percentile,
    run_child,
    summary,
    timed_import,
)

BACKENDS = {"tantivy": "sqlite", "postgres": "postgresql", "whoosh": "sqlite"}
REFERENCE_QUERIES = SHARED / "bench_queries.txt"
EXTRA_QUERIES = Path(__file__).resolve().parent / "queries_extra.txt"
ROUTES = {"page": "/search?q=", "api": "/api/v1/search?q="}
VERIFY_UP_TO = 200_000
CLIENTS = 16
TARGETS = ("targets (100k)", ">= 2000 (pg 1200)", "<= 5 / 15", "<= 4 / 12",
           "pg p95 <= 60", ">= 300", "", "< 300 MB at 1M")
PEERS = [("public-inbox (Xapian)", "960", "7.7 / 23.1", "", "", "", "", "")]


def main() -> None:
    args = parse_args()
    mbox = Path(args.mbox) if args.mbox else corpus(args.messages)
    queries = load_queries()
    print(f"corpus: {mbox} ({mbox.stat().st_size / 1e6:.0f} MB); {len(queries)} "
          f"queries; load {load()} on {len(os.sched_getaffinity(0))} "
          "cores")
    results = {backend: run_backend(args, backend, mbox, queries)
               for backend in args.backends}
    compare_totals(results)
    print_table(results)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="tantivy,postgres,whoosh",
                        help="comma-separated: tantivy, postgres, whoosh")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--mbox", help="import this file instead of the synthetic one")
    parser.add_argument("--repeat", type=int, default=1, help="imports per backend")
    parser.add_argument("--cold-rounds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="warm rounds")
    parser.add_argument("--seconds", type=int, default=20, help="throughput run")
    args = parser.parse_args()
    args.backends = [b.strip() for b in args.backend.split(",") if b.strip()]
    unknown = set(args.backends) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    return args


@dataclass
class Query:
    text: str
    group: str
    samples: dict[str, list[float]] = field(default_factory=dict)
    totals: dict[str, object] = field(default_factory=dict)


def load_queries() -> list[Query]:
    queries = [Query(q, "reference") for _, q in read_queries(REFERENCE_QUERIES)]
    return queries + [Query(q, group) for group, q in read_queries(EXTRA_QUERIES)]


def read_queries(path: Path) -> list[tuple[str, str]]:
    group, found = "extra", []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#:"):
            group = line[2:].strip()
        elif line and not line.startswith("#"):
            found.append((group, line))
    return found


# -- one backend -----------------------------------------------------------------------


def run_backend(args, backend: str, mbox: Path, queries: list[Query]) -> dict:
    print(f"\n== {backend} (database: {BACKENDS[backend]}) ==")
    imports, measured = [], {}
    for attempt in range(1, args.repeat + 1):
        with tempfile.TemporaryDirectory(prefix=f"forum-bench-{backend}-") as tmp, \
                database(BACKENDS[backend], Path(tmp)) as url:
            data = Path(tmp) / "data"
            result = import_child(backend, url, data, mbox)
            print_import(attempt, result)
            imports.append(result)
            if attempt == args.repeat:
                env = clean_env(data, DATABASE_URL=url, FORUM_SEARCH_BACKEND=backend)
                for query in queries:
                    query.samples, query.totals = {}, {}
                measured = measure_server(args, env, data, queries)
    return {"imports": imports, "queries": [_copy(q) for q in queries], **measured}


def _copy(query: Query) -> Query:
    return Query(query.text, query.group, dict(query.samples), dict(query.totals))


def import_child(backend: str, url: str, data: Path, mbox: Path) -> dict:
    return run_child(__file__, clean_env(data), backend, str(data), url, str(mbox))


def child(what: list[str]) -> None:
    """In the child: the timed import, then the checks."""
    backend, data_dir, url, mbox = what
    with app_session({"FORUM_DATA_DIR": data_dir, "SQLALCHEMY_DATABASE_URI": url,
                      "FORUM_SEARCH_BACKEND": backend}, upgrade=True) as session:
        with MemorySampler(os.getpid()) as memory:
            report, seconds = timed_import(session, mbox)
        result = {"read": report.read, "imported": report.imported,
                  "seconds": seconds, "rate": report.read / seconds, "load": load(),
                  **checks(session, report.imported)}
    result["importer"] = usage(resource.RUSAGE_SELF)
    result["helpers"] = usage(resource.RUSAGE_CHILDREN)
    result["memory"] = {"importer": memory.peaks.get(os.getpid(), {}),
                        "helper": memory.largest(exclude=os.getpid())}
    print(json.dumps(result))


def checks(session, imported: int) -> dict:
    """Searchable at the end: no drift (or, for big archives, the counts agree)."""
    from sqlalchemy import func, select

    from forum.models import Post
    from forum.search import get_index
    from forum.search.query import parse_query
    from forum.services.search import verify_index

    index = get_index()
    visible = session.scalar(select(func.count()).select_from(Post).where(
        Post.is_hidden.is_(False), Post.is_ghost.is_(False)))
    found = index.search(parse_query("magnesium"), limit=1, facets=False).total
    about = index.describe()
    result = {"visible": visible, "indexed": index.count(), "magnesium": found,
              "index_bytes": about["bytes"], "index_where": about["location"]}
    if imported <= VERIFY_UP_TO:
        report = verify_index(session)
        result["drift"] = report.drift
        result["queued"] = report.pending
    return result


def usage(who: int) -> dict:
    me = resource.getrusage(who)
    return {"cpu_s": me.ru_utime + me.ru_stime, "peak_mb": me.ru_maxrss / 1024}


def print_import(attempt: int, r: dict) -> None:
    drift = (f"verify: drift {r['drift']}, queued {r['queued']}" if "drift" in r
             else f"indexed {r['indexed']:,} of {r['visible']:,} visible")
    ok = r.get("drift", 0) == 0 and r["indexed"] == r["visible"] and r["magnesium"]
    print(f"  import {attempt}: {r['read']:,} read in {r['seconds']:.1f} s = "
          f"{r['rate']:,.0f} msg/s to searchable (load {r['load']}); {drift} "
          f"-> {'OK' if ok else 'NOT SEARCHABLE'}")
    print(f"    cpu: importer {r['importer']['cpu_s']:.0f} s, helpers "
          f"{r['helpers']['cpu_s']:.0f} s; peak RSS importer "
          f"{r['importer']['peak_mb']:.0f} MB, largest helper "
          f"{r['helpers']['peak_mb']:.0f} MB; index "
          f"{r['index_bytes'] / 1e6:.1f} MB ({r['index_where']})")
    mine, helper = r["memory"]["importer"], r["memory"]["helper"]
    print(f"    sampled peaks, own memory (RssAnon) + mapped files (RssFile): "
          f"importer {mine.get('RssAnon', 0):.0f} + {mine.get('RssFile', 0):.0f} MB, "
          f"largest helper {helper.get('RssAnon', 0):.0f} + "
          f"{helper.get('RssFile', 0):.0f} MB")


# -- over HTTP -------------------------------------------------------------------------


def measure_server(args, env: dict, data: Path, queries: list[Query]) -> dict:
    log = data / "gunicorn.log"
    rss: list[float] = []
    for cold in range(args.cold_rounds):
        with gunicorn(env, 1, log) as (port, proc):
            client = Client(port)
            check_routes(client)
            for query in queries:
                fetch(client, query, "first")
            if cold == args.cold_rounds - 1:
                for _ in range(args.rounds):
                    for query in queries:
                        fetch(client, query, "warm")
            client.close()
            rss += [peak_rss_mb(pid) for pid in children_of(proc.pid)]
    print_latency(queries)
    with gunicorn(env, 2, log) as (port, proc):
        rate, failed = throughput(port, queries, args.seconds)
        rss += [peak_rss_mb(pid) for pid in children_of(proc.pid)]
    print(f"  throughput: gunicorn -w 2, {CLIENTS} clients, {args.seconds} s: "
          f"{rate:,.0f} requests/s ({failed} failed; load {load()})")
    print(f"  peak RSS of gunicorn workers: {max(rss):.0f} MB")
    return {"throughput": rate, "failed": failed, "server_mb": max(rss)}


class Client:
    """One keep-alive connection; reconnects when the server closes it."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        self.conn.request("GET", path)
        response = self.conn.getresponse()
        body = response.read()
        return response.status, body, (time.perf_counter() - started) * 1000

    def close(self) -> None:
        self.conn.close()


def check_routes(client: Client) -> None:
    for kind, route in ROUTES.items():
        status, body, _ = client.get(route + "vitamin")  # also opens the index
        if status != 200:
            raise RuntimeError(f"{kind} route answered {status}: {body[:300]!r}")


def fetch(client: Client, query: Query, when: str) -> None:
    for kind, route in ROUTES.items():
        status, body, ms = client.get(route + quote_plus(query.text))
        query.samples.setdefault(f"{kind} {when}", []).append(ms)
        if status != 200:
            query.totals[kind] = f"HTTP {status}"
        elif kind == "api":
            query.totals[kind] = json.loads(body).get("total", "?")


def samples(queries: list[Query], key: str) -> list[float]:
    return [ms for q in queries for ms in q.samples.get(key, [])]


def print_latency(queries: list[Query]) -> None:
    for key in ("page first", "api first", "page warm", "api warm"):
        values = samples(queries, key)
        if values:
            print(f"  {key:11} {summary(values)}")
    slowest = sorted(queries, key=lambda q: -max(q.samples["page first"]))[:5]
    print("  slowest first requests (page ms, hits):")
    for q in slowest:
        worst, total = max(q.samples["page first"]), q.totals.get("api", "?")
        print(f"    {worst:7.1f}  {total!s:>7}  [{q.group}] {q.text}")
    for q in queries:
        for kind, total in q.totals.items():
            if str(total).startswith("HTTP"):
                print(f"  ! {kind} {q.text!r} answered {total}")


def throughput(port: int, queries: list[Query], seconds: int) -> tuple[float, int]:
    """Requests per second with CLIENTS connections cycling through the queries."""
    paths = [ROUTES["page"] + quote_plus(q.text) for q in queries]
    try:
        return wrk(port, paths, seconds)
    except FileNotFoundError:
        return python_clients(port, paths, seconds)


def wrk(port: int, paths: list[str], seconds: int) -> tuple[float, int]:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(
        "local paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n"
        "local n = 0\n"
        "request = function()\n  n = n + 1\n"
        "  return wrk.format('GET', paths[(n % #paths) + 1])\nend\n")
    try:
        out = subprocess.run(
            ["wrk", "-t", "2", "-c", str(CLIENTS), "-d", f"{seconds}s",
             "--timeout", "30s", "-s", str(script), f"http://127.0.0.1:{port}"],
            capture_output=True, text=True, check=True).stdout
    finally:
        script.unlink()
    rate = float(out.split("Requests/sec:")[1].split()[0])
    failed = 0
    for line in out.splitlines():
        if "Non-2xx" in line or "Socket errors" in line:
            failed += sum(int(x) for x in line.replace(",", " ").split() if x.isdigit())
    return rate, failed


def python_clients(port: int, paths: list[str], seconds: int) -> tuple[float, int]:
    done, failed, stop_at = [0], [0], time.monotonic() + seconds

    def work(offset: int) -> None:
        client, n = Client(port), offset
        while time.monotonic() < stop_at:
            status, _body, _ms = client.get(paths[n % len(paths)])
            done[0] += 1
            failed[0] += status != 200
            n += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0] / seconds, failed[0]


# -- across backends ---------------------------------------------------------------


def compare_totals(results: dict) -> None:
    """Do the backends count the same hits for every query?"""
    backends = list(results)
    if len(backends) < 2:
        return
    texts = [q.text for q in results[backends[0]]["queries"]]
    differ = []
    for i, text in enumerate(texts):
        totals = {b: results[b]["queries"][i].totals.get("api") for b in backends}
        if len(set(map(str, totals.values()))) > 1:
            differ.append((text, totals))
    print(f"\nhit counts: {len(texts) - len(differ)} of {len(texts)} queries agree "
          f"across {', '.join(backends)}")
    for text, totals in differ:
        shown = ", ".join(f"{b} {t}" for b, t in totals.items())
        print(f"  differ: {text!r}: {shown}")


def print_table(results: dict) -> None:
    print("\nsummary (medians over imports; latency over every first request)")
    header = ("backend", "import msg/s", "page ms med/p95", "api ms med/p95",
              "warm page med/p95", "req/s -w2 x16", "MB/1k posts", "peak RSS MB")
    rows = [header, TARGETS, *PEERS]
    whoosh = results.get("whoosh")
    for backend, r in results.items():
        rows.append(row(backend, r))
        if whoosh and backend != "whoosh":
            rows.append(ratio_row(r, whoosh))
    widths = [max(len(str(x[i])) for x in rows) for i in range(len(header))]
    for line in rows:
        print("  " + "  ".join(str(v).rjust(w) if i else str(v).ljust(w)
                               for i, (v, w) in enumerate(zip(line, widths,
                                                              strict=True))))


def _figures(r: dict) -> dict:
    imports = r["imports"]
    posts = statistics.median(i["indexed"] for i in imports) or 1
    queries = r["queries"]
    return {
        "rate": statistics.median(i["rate"] for i in imports),
        "page": samples(queries, "page first"), "api": samples(queries, "api first"),
        "warm": samples(queries, "page warm"), "rps": r.get("throughput", 0.0),
        "mb": statistics.median(i["index_bytes"] for i in imports) / 1e6 * 1000 / posts,
        "rss": max([r.get("server_mb", 0)] + [i["importer"]["peak_mb"] for i in imports]
                   + [i["helpers"]["peak_mb"] for i in imports]),
    }


def _pair(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} / {percentile(values, 95):.1f}" \
        if values else "-"


def row(backend: str, r: dict) -> tuple:
    f = _figures(r)
    return (backend, f"{f['rate']:,.0f}", _pair(f["page"]), _pair(f["api"]),
            _pair(f["warm"]), f"{f['rps']:,.0f}", f"{f['mb']:.2f}", f"{f['rss']:.0f}")


def ratio_row(r: dict, whoosh: dict) -> tuple:
    """How many times better than Whoosh (rates: higher; times and sizes: lower)."""
    f, w = _figures(r), _figures(whoosh)

    def times(mine: list[float], theirs: list[float]) -> str:
        if not mine or not theirs:
            return "-"
        return (f"{_x(statistics.median(theirs) / statistics.median(mine))} / "
                f"{_x(percentile(theirs, 95) / percentile(mine, 95))}")

    return ("  vs whoosh", f"{f['rate'] / w['rate']:.1f}x", times(f["page"], w["page"]),
            times(f["api"], w["api"]), times(f["warm"], w["warm"]),
            f"{f['rps'] / w['rps']:.1f}x" if w["rps"] else "-",
            f"{w['mb'] / f['mb']:.1f}x smaller" if f["mb"] else "-", "")


def _x(factor: float) -> str:
    """A ratio readable at both ends: 0.25x, 4.6x, 62x."""
    return f"{factor:.2f}x" if factor < 1 else f"{factor:.1f}x" if factor < 10 \
        else f"{factor:.0f}x"


if __name__ == "__main__":
    main_or_child(main, child)
