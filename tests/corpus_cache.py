"""The 20 Newsgroups archive, imported once per database kind per test run.

Several modules read the whole corpus (19,997 articles, 19,466 posts once
crossposts are stored once).  Importing it takes from half a minute (an idle
machine) to three (a busy one) per database, and a module-scoped fixture runs
once per module *and* once per xdist worker that draws one of the module's
tests: built that way, the same import was the largest share of the suite's
time.

Now the first worker to ask imports it into a snapshot in the run's shared
temporary folder, holding a file lock while it does; every asker after it gets
a private copy: a file copy of the SQLite database and its search index, or a
PostgreSQL database made with `CREATE DATABASE ... TEMPLATE`.  A module may
write to its copy; nothing writes to the snapshot once it is made.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import make_url, text

from forum.extensions import db
from tests.conftest import admin_engine, make_app, migrate_to_newest, scratch_postgres
from tests.helpers import corpus

SNAPSHOT_PREFIX = "forum_snapshot_"


@dataclass(frozen=True)
class Snapshot:
    """A finished import kept for copying: never opened by a test itself."""

    kind: str
    url: str
    data_dir: str
    report: dict

    @property
    def database(self) -> str:
        """The PostgreSQL database's name ("" for SQLite, a file)."""
        return "" if self.kind == "sqlite" else make_url(self.url).database or ""


def shared_folder(tmp_path_factory) -> Path:
    """The folder all of this run's xdist workers share (each has its own
    basetemp inside it); the basetemp itself when the run has no workers."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def twenty_newsgroups(kind: str, tmp_path_factory) -> Snapshot:
    """All twenty 20news tarballs, imported with the default search backend."""
    from importers.runner import ImportOptions, ImportRunner

    tars = sorted(corpus("usenet-20news", "groups").glob("*.tar.xz"))
    assert len(tars) == 20

    def fill() -> dict:
        report = ImportRunner(db.session, ImportOptions()).run([str(t) for t in tars])
        return {k: v for k, v in report.to_dict().items() if k != "problems"}

    return snapshot("20news", kind, tmp_path_factory, fill)


def snapshot(name: str, kind: str, tmp_path_factory,
             fill: Callable[[], dict]) -> Snapshot:
    """The run's snapshot `name` on `kind`, made by `fill` (inside an app
    context on a migrated, empty database) by whichever worker asks first."""
    shared = shared_folder(tmp_path_factory)
    folder = shared / f"snapshot-{name}-{kind}"
    meta = folder / "snapshot.json"
    with _locked(shared / f"snapshot-{name}-{kind}.lock"):
        if not meta.exists():
            made = _build(folder, f"{name}_{kind}", kind, fill)
            meta.write_text(json.dumps(asdict(made)))
    return Snapshot(**json.loads(meta.read_text()))


@contextmanager
def app_on_copy(snap: Snapshot, folder: Path, **config) -> Iterator[Flask]:
    """An app on a private copy of `snap`, thrown away afterwards."""
    with _copy_of(snap, folder) as (url, data):
        app = make_app(url, data, **config)
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def drop_snapshots(shared: Path) -> None:
    """Drop the PostgreSQL snapshots made under `shared` (the run's end)."""
    snaps = [Snapshot(**json.loads(meta.read_text()))
             for meta in sorted(shared.glob("snapshot-*/snapshot.json"))]
    _drop_databases([snap.database for snap in snaps if snap.database])


def _drop_databases(names: list[str]) -> None:
    if not names:
        return
    try:
        engine = admin_engine()
    except pytest.skip.Exception:  # the server went away: nothing to drop on it
        return
    try:
        with engine.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(folder: Path, name: str, kind: str, fill: Callable[[], dict]) -> Snapshot:
    shutil.rmtree(folder, ignore_errors=True)  # what a crashed build left
    folder.mkdir()
    data = folder / "data"
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'forum.sqlite'}"
    else:
        url = _new_postgres(f"{SNAPSHOT_PREFIX}{name}_{os.getpid()}")
    made = Snapshot(kind, url, str(data), report={})
    try:
        migrate_to_newest(url, folder / "migrate")
        app = make_app(url, data)
        with app.app_context():
            try:
                report = fill()
            finally:
                db.session.remove()
                db.engine.dispose()
    except BaseException:
        _drop_databases([made.database] if made.database else [])
        raise
    return replace(made, report=report)


def _new_postgres(name: str) -> str:
    """An empty database kept after this process ends (`drop_snapshots`);
    skips, saying why, where no server answers."""
    engine = admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        return engine.url.set(database=name).render_as_string(hide_password=False)
    finally:
        engine.dispose()


@contextmanager
def _copy_of(snap: Snapshot, folder: Path) -> Iterator[tuple[str, Path]]:
    data = folder / "data"
    shutil.copytree(snap.data_dir, data)
    if snap.kind == "sqlite":
        path = folder / "forum.sqlite"
        source = Path(snap.url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal"):  # the log is gone once the last connection closed
            if source.with_name(source.name + suffix).exists():
                shutil.copyfile(source.with_name(source.name + suffix),
                                path.with_name(path.name + suffix))
        yield f"sqlite:///{path}", data
        return
    with scratch_postgres("forum_copy", template=snap.database) as url:
        yield url, data
