"""What the benchmark scripts share: the corpus, databases, servers, statistics.

Each script in bench/ measures one thing and prints its figures; none of them
is a test.  The machines are 2-core and shared: repeat, and quote medians and
ratios measured in one run.
"""

from __future__ import annotations

import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "bench"
GEN = SHARED / "gen_corpus.py"
BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get(
    "FORUM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def corpus(messages: int) -> Path:
    """The deterministic synthetic corpus the peers were measured on (seed 1)."""
    path = Path(tempfile.gettempdir()) / f"forum-bench-{messages}-s1.mbox"
    if not path.exists():
        partial = path.with_suffix(".partial")
        subprocess.run([sys.executable, str(GEN), "--messages", str(messages),
                        "--seed", "1", "--out", str(partial), "--quiet"], check=True)
        partial.rename(path)
    return path


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def clean_env(data: Path, **extra: str) -> dict:
    """The environment without settings that would point away from `data`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FORUM_", "MALLOC_")) and k != "DATABASE_URL"}
    env["FORUM_DATA_DIR"] = str(data)
    env.update(extra)
    return env


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh, empty database of this kind; PostgreSQL's is dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'forum.sqlite'}"
        return
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"forum_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def listening(argv: Callable[[int], list[str]], env: dict, log: Path
              ) -> Iterator[tuple[int, subprocess.Popen]]:
    """The server `argv(port)` starts in `env`, on a free loopback port, its
    output in `log`: listening before the block, always stopped after it."""
    port = free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen(argv(port), cwd=REPO, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_up(port, proc, log)
        yield port, proc
    finally:
        stop(proc)


def gunicorn(env: dict, workers: int, log: Path
             ) -> AbstractContextManager[tuple[int, subprocess.Popen]]:
    """gunicorn -w WORKERS over `env` on a free loopback port; always stopped."""
    return listening(lambda port: [
        str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
        "--backlog", "256", "wsgi:app"], env, log)


def wait_until_up(port: int, proc, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not listen within {timeout:.0f} s")


def stop(proc) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def peak_rss_mb(pid: int) -> float:
    """A live process's peak resident memory (VmHWM), in MB; 0 if gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class MemorySampler:
    """Peak resident memory of a process and its children, split in two.

    VmHWM counts every resident page, index files mapped by tantivy too; those
    pages belong to the page cache, which the kernel drops under pressure.
    Sampling RssAnon (heap) beside RssFile (mapped files) every quarter of a
    second shows how much of a peak is the process's own memory.
    """

    def __init__(self, pid: int, every: float = 0.25) -> None:
        self.pid, self.every = pid, every
        self.peaks: dict[int, dict[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            for pid in [self.pid, *children_of(self.pid)]:
                seen = memory_mb(pid)
                peak = self.peaks.setdefault(pid, {})
                for key, value in seen.items():
                    peak[key] = max(peak.get(key, 0.0), value)

    def largest(self, exclude: int | None = None) -> dict[str, float]:
        """The peaks of the child with the highest anonymous peak."""
        found = [p for pid, p in self.peaks.items() if pid != exclude]
        return max(found, key=lambda p: p.get("RssAnon", 0.0), default={})


def memory_mb(pid: int) -> dict[str, float]:
    """A live process's RssAnon and RssFile in MB ({} if gone)."""
    found = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key = line.split(":", 1)[0]
            if key in ("RssAnon", "RssFile"):
                found[key] = int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return found


def children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: the value at or below which pct% of samples lie."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> str:
    return (f"median {statistics.median(values):7.2f} ms  "
            f"p95 {percentile(values, 95):7.2f} ms  max {max(values):7.2f} ms  "
            f"(n={len(values)})")


def run_flask(env: dict, *args: str, stdin: str | None = None,
              ok: tuple[int, ...] = (0,)) -> str:
    """`flask --app forum ARGS` in `env`; its output, or exit with its error.

    `ok` lists the exit statuses that are not failures (`import` exits 1 when
    it quarantined messages).
    """
    proc = subprocess.run([str(BIN / "flask"), "--app", "forum", *args], env=env,
                          cwd=REPO, input=stdin, capture_output=True, text=True)
    if proc.returncode not in ok:
        sys.exit(f"flask {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


@contextmanager
def data_folder(kept: str | None, prefix: str = "forum-bench-"):
    """The given folder (kept afterwards), or a temporary one."""
    if kept:
        Path(kept).mkdir(parents=True, exist_ok=True)
        yield Path(kept)
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)


def import_corpus(env: dict, messages: int) -> dict:
    """Import the seed-1 corpus of `messages` with the CLI; print and return its
    report (read, imported, quarantined...) with the time it took."""
    import json

    mbox = corpus(messages)
    print(f"corpus: {mbox} ({mbox.stat().st_size / 1e6:.1f} MB)")
    started = time.perf_counter()
    report = json.loads(run_flask(env, "import", str(mbox), "--json", ok=(0, 1))
                        .strip().splitlines()[-1])
    report["wall"] = time.perf_counter() - started
    print(f"import (CLI): read {report['read']} imported {report['imported']} "
          f"quarantined {report['quarantined']} in {report['wall']:.0f} s "
          f"(load {load()})")
    return report


def fetch_rounds(port: int, urls: dict[str, str], rounds: int
                 ) -> tuple[dict[str, list[float]], dict[str, int]]:
    """GET each URL once to warm up (exiting unless it answers 200), then each
    once per round for `rounds` rounds on one keep-alive connection: the
    milliseconds per URL, and each answer's size in bytes."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    sizes: dict[str, int] = {}

    def get(name: str, url: str) -> float:
        started = time.perf_counter()
        conn.request("GET", url)
        response = conn.getresponse()
        body = response.read()
        took = (time.perf_counter() - started) * 1000
        if response.status != 200:
            sys.exit(f"GET {url} answered {response.status}")
        sizes[name] = len(body)
        return took

    for name, url in urls.items():
        get(name, url)
    timings: dict[str, list[float]] = {name: [] for name in urls}
    for _ in range(rounds):
        for name, url in urls.items():
            timings[name].append(get(name, url))
    conn.close()
    return timings, sizes


def served_rounds(env: dict, log: Path, urls: dict[str, str], rounds: int
                  ) -> tuple[dict[str, list[float]], dict[str, int]]:
    """`fetch_rounds` from a `gunicorn -w 1` started over `env` for them."""
    with gunicorn(env, 1, log) as (port, _proc):
        return fetch_rounds(port, urls, rounds)


def print_timings(timings: dict[str, list[float]], width: int = 22,
                  sizes: dict[str, int] | None = None) -> None:
    """A line per name: the `summary` of its times, and its size where known."""
    for name, values in timings.items():
        size = f"  {sizes[name] / 1024:7.1f} KB" if sizes else ""
        print(f"{name:<{width}} {summary(values)}{size}")


CHILD = "--child"


def run_child(script: str, env: dict, *what: str) -> dict:
    """Run `script --child WHAT...` (the part of a bench script that needs the
    app; `main_or_child` hands it WHAT) in `env`; the JSON object its last
    line prints, or exit with its error."""
    import json

    proc = subprocess.run([sys.executable, script, CHILD, *what],
                          capture_output=True, text=True, cwd=REPO, env=env)
    if proc.returncode:
        sys.exit(f"bench child {what} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main_or_child(main: Callable[[], object],
                  child: Callable[[list[str]], object]) -> None:
    """A bench script's entry point: `child(WHAT)` in the process `run_child`
    started with WHAT, `main()` otherwise."""
    if CHILD in sys.argv:
        child(sys.argv[sys.argv.index(CHILD) + 1:])
    else:
        main()


def reuse_or_import(env: dict, messages: int) -> None:
    """Bring the archive in `env` to the current migration (`db upgrade`),
    then reuse it if it holds posts, or import the seed-1 corpus into it."""
    started = time.perf_counter()
    upgraded = run_flask(env, "db", "upgrade").strip().replace("\n", "; ")
    print(f"db upgrade: {upgraded} ({time.perf_counter() - started:.1f} s)")
    count = ("from sqlalchemy import func, select; from forum import create_app; "
             "from forum.extensions import db; from forum.models import Post; "
             "app = create_app(); app.app_context().push(); "
             "print(db.session.scalar(select(func.count(Post.id))))")
    proc = subprocess.run([sys.executable, "-c", count], capture_output=True,
                          text=True, cwd=REPO, env=env)
    if proc.returncode:
        sys.exit(f"counting the archive's posts failed:\n{proc.stderr[-3000:]}")
    if int(proc.stdout.strip().splitlines()[-1]):
        print("archive: reusing the archive already there")
        return
    import_corpus(env, messages)


def archive_arguments(doc: str, rounds: int, database: bool = True):
    """The options every archive benchmark takes: the corpus's size, rounds,
    and where the archive lives (kept and reused); scripts add their own."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--data-dir", help="import into this folder and keep it; "
                        "if it already holds an archive, reuse it")
    if database:
        parser.add_argument("--database-url", help="a PostgreSQL database to import "
                            "into (or reuse) instead of SQLite in the data folder")
    return parser


@contextmanager
def app_session(config: dict | None = None, upgrade: bool = False):
    """The archive's app (on `config` over the environment's settings), in a
    child process: its session, closed afterwards.  With `upgrade`, its
    database is brought to the newest migration first."""
    sys.path.insert(0, str(REPO))
    from forum import create_app
    from forum.extensions import db

    with create_app(config).app_context():
        if upgrade:
            from forum.migrate import upgrade as migrate

            migrate()
        try:
            yield db.session
        finally:
            db.session.remove()
            db.engine.dispose()


def timed_import(session, mbox: str):
    """Import `mbox` into the group "bench" as `flask import` does: the
    report, and the seconds it took."""
    from importers.runner import ImportOptions, ImportRunner

    started = time.perf_counter()
    report = ImportRunner(session, ImportOptions(group="bench")).run([mbox])
    return report, time.perf_counter() - started


@contextmanager
def prepared_archive(args, prefix: str) -> Iterator[tuple[Path, dict]]:
    """The archive `archive_arguments` describe, upgraded and imported (or
    reused): its folder and the environment that points a server at it.  The
    load average is printed before and after."""
    print(f"load average at start: {load()} ({os.cpu_count()} cores)")
    with data_folder(args.data_dir, prefix) as data:
        database = getattr(args, "database_url", None)
        env = clean_env(data, **({"DATABASE_URL": database} if database else {}))
        reuse_or_import(env, args.messages)
        yield data, env
    print(f"load average at end: {load()}")
