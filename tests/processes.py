"""Real processes for tests of what several processes do at once.

`flask` commands, gunicorn servers and moderator "actors" (tests/search/actor.py)
each run in a process of their own over one data folder and one database, the
way an operator's import, two web workers and two moderators do.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.common import wait_until_up
from tests.conftest import scratch_postgres
from tests.helpers import REPO

BIN = Path(sys.executable).parent


def app_env(data_dir: Path, database_url: str, **extra: str) -> dict:
    """The environment of a process of this archive (nothing from ours leaks in)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("FORUM_") and k != "DATABASE_URL"}
    env.update(FORUM_DATA_DIR=str(data_dir), DATABASE_URL=database_url,
               PYTHONPATH=str(REPO), **extra)
    return env


def flask(env: dict, *args: str, timeout: float = 600,
          check: bool = True) -> subprocess.CompletedProcess:
    """`flask --app forum ARGS` in a process of its own."""
    proc = subprocess.run([str(BIN / "flask"), "--app", "forum", *args], env=env,
                          cwd=REPO, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode:
        raise AssertionError(f"flask {' '.join(args)} exited {proc.returncode}:\n"
                             f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return proc


def start_flask(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / "flask"), "--app", "forum", *args], env=env,
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def start_actor(env: dict, *args: str) -> subprocess.Popen:
    """A moderator at work in a process of its own (tests/search/actor.py)."""
    return subprocess.Popen([sys.executable, "-m", "tests.search.actor", *args],
                            env=env, cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def actor_log(proc: subprocess.Popen, timeout: float = 300) -> list[dict]:
    """What an actor did, one JSON object per action; fails if it failed."""
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"actor exited {proc.returncode}:\n{err[-4000:]}"
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


@contextmanager
def gunicorn(env: dict, workers: int = 2) -> Iterator[str]:
    """gunicorn over this data folder on a free loopback port; its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = Path(env["FORUM_DATA_DIR"]).with_suffix(f".gunicorn-{port}.log")
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
             "wsgi:app"], env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        wait_until_up(port, proc, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@contextmanager
def scratch_database(kind: str, folder: Path) -> Iterator[str]:
    """An empty database of this kind that several processes can share."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'shared.sqlite'}"
        return
    with scratch_postgres("forum_proc") as url:
        yield url


DATABASE_KINDS = ["sqlite", "postgresql"]


def at_revision(database_url: str, revision: str) -> None:
    """Bring an empty database's schema to `revision` (an older version's
    archive, for the tests of what a newer version does with it)."""
    from forum.migrate import upgrade_on

    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            upgrade_on(conn, revision)
    finally:
        engine.dispose()


def count_rows(database_url: str, table: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text(f"SELECT count(*) FROM {table}"))
    finally:
        engine.dispose()


def posts_stored(database_url: str) -> int:
    """Stored posts, not counting ghosts, as another process sees them (0
    before the schema exists)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text(
                "SELECT count(*) FROM posts WHERE is_ghost = false"))
    except Exception:  # noqa: BLE001 - the schema may not exist yet
        return 0
    finally:
        engine.dispose()


def wait_while_running(proc: subprocess.Popen, done: Callable[[], bool],
                       timeout: float) -> bool:
    """Poll `done` until it holds, `proc` ends or `timeout` passes; whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if done():
            return True
        time.sleep(0.05)
    return False


def migrate(database_url: str, step, revision: str) -> None:
    """Run an Alembic command (`alembic.command.upgrade` or `downgrade`) to
    `revision` on the database at `database_url`."""
    from forum.migrate import alembic_config

    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            config = alembic_config(database_url)
            config.attributes["connection"] = conn
            step(config, revision)
    finally:
        engine.dispose()


def column_by_message_id(url: str, column: str) -> dict[str, object]:
    """One column of every real post, by Message-ID, read straight from the
    database (migration tests read what a migration left, not the models)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(text(
                f"SELECT message_id, {column} FROM posts WHERE NOT is_ghost")).all())
    finally:
        engine.dispose()
