"""Ctrl-C during an import: the first stops it at the next message, a second at
once; either way the run is recorded, nothing committed is lost and running the
import again completes it.

Interrupts from outside land at moments chosen by a seeded random draw; a
process that has not ended within a bound shorter than SQLite's busy timeout
(30 s) was waiting on a lock of its own, and shows its stacks (faulthandler).
FORUM_INTERRUPTS=N (`make interrupt-test`) draws N moments per database.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from forum.extensions import db
from forum.models import ImportRun
from importers.interrupts import interrupt_behind
from importers.runner import ImportOptions, ImportRunner
from tests.helpers import REPO, corpus, real_posts
from tests.processes import (
    DATABASE_KINDS,
    app_env,
    flask,
    posts_stored,
    scratch_database,
    start_flask,
    wait_while_running,
)

SCI_MED_ARTICLES = 1_000  # all unique (SOURCES.md): a whole import stores each
RANDOM_TRIALS = int(os.environ.get("FORUM_INTERRUPTS", "2"))
ENDS_WITHIN = 25.0  # seconds; under the busy timeout, so a self-deadlock shows
NOTICE = "stopping at the next message (Ctrl-C again to stop at once)"


# -- in this process ------------------------------------------------------------

def test_a_stop_asked_for_ends_the_run_after_the_batch_it_is_in(app):
    """The stop is asked for as the 100th message is read: that message's batch
    is written and committed, and the run stops before reading the 101st."""
    sample = REPO / "samples" / "health-forum-sample.mbox.gz"
    with app.app_context():
        runner = ImportRunner(db.session, ImportOptions(batch_size=100),
                              progress=lambda read: runner.stop.set())
        with pytest.raises(KeyboardInterrupt):
            runner.run([str(sample)])
        run = db.session.scalars(select(ImportRun)).one()
        assert (run.status, run.failure) == ("failed", "KeyboardInterrupt")
        assert run.read == 100
        assert run.finished_at is not None
        assert 0 < run.imported == real_posts() <= 100
        again = ImportRunner(db.session, ImportOptions()).run([str(sample)])
        assert again.duplicates == run.imported
        assert real_posts() == run.imported + again.imported == 300
        db.session.remove()


def test_an_interrupt_just_after_a_commit_counts_what_that_commit_stored(
        app, monkeypatch):
    """A second Ctrl-C can land between a batch's commit and the tally's note
    of it: the run record keeps the counts committed with the batch."""
    from importers.report import Tally

    noted = Tally.committed
    calls = []

    def interrupted_after_the_first_batch(self):
        calls.append(1)
        if len(calls) == 2:  # the first was the run's start
            raise KeyboardInterrupt
        noted(self)

    monkeypatch.setattr(Tally, "committed", interrupted_after_the_first_batch)
    sample = REPO / "samples" / "health-forum-sample.mbox.gz"
    with app.app_context():
        with pytest.raises(KeyboardInterrupt):
            ImportRunner(db.session, ImportOptions(batch_size=100)).run([str(sample)])
        run = db.session.scalars(select(ImportRun)).one()
        assert (run.status, run.read) == ("failed", 100)
        assert 0 < run.imported == real_posts()
        db.session.remove()


def _masked_interrupt(*_args, **_kwargs):
    """What a Ctrl-C inside a statement can leave: another error raised while
    cleaning up after it (SQLAlchemy's, in the runs that found this)."""
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt:
        raise RuntimeError("Can't operate on closed transaction") from None


def _source_interrupted(files, *_args):
    def messages():
        _masked_interrupt()
        yield from ()

    return [(files[0], messages())]


@pytest.mark.parametrize("where", ["batch", "suggestions", "source"])
def test_an_error_raised_while_cleaning_up_after_an_interrupt_is_the_interrupt(
        app, monkeypatch, where):
    """Not a broken batch to retry message by message, a message to quarantine,
    a scan to skip or a source to give up on: the run stops, as interrupted."""
    from forum.services.posting import Archiver

    if where == "batch":
        monkeypatch.setattr(Archiver, "archive", _masked_interrupt)
    elif where == "suggestions":
        monkeypatch.setattr("importers.runner.suggest_citations", _masked_interrupt)
    else:
        monkeypatch.setattr("importers.runner.read_sources", _source_interrupted)
    sample = REPO / "samples" / "health-forum-sample.mbox.gz"
    with app.app_context():
        with pytest.raises(KeyboardInterrupt):
            ImportRunner(db.session, ImportOptions(batch_size=100)).run([str(sample)])
        run = db.session.scalars(select(ImportRun)).one()
        assert (run.status, run.failure) == ("failed", "KeyboardInterrupt")
        assert (run.imported, run.quarantined) == (0, 0)
        assert real_posts() == 0
        db.session.remove()


def test_the_interrupt_is_found_behind_errors_that_stand_in_front_of_it():
    def raised(make):
        try:
            make()
        except BaseException as error:  # noqa: BLE001 - the object is the point
            return error
        raise AssertionError("nothing raised")

    def masked():
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            try:
                raise ValueError("cleanup")
            except ValueError:
                raise RuntimeError("cleanup of the cleanup") from None

    found = interrupt_behind(raised(masked))
    assert isinstance(found, KeyboardInterrupt)
    assert interrupt_behind(raised(lambda: 1 / 0)) is None


# -- a real process, interrupted from outside -----------------------------------

@dataclass
class Interrupted:
    returncode: int
    stderr: str
    status: str
    failure: str | None
    imported: int
    stored: int


def interrupt_an_import(kind: str, folder: Path, after: float,
                        again: float | None) -> tuple[Interrupted, dict]:
    """Import sci.med; once its first batch is committed wait `after` seconds
    and press Ctrl-C, and again `again` seconds later if given."""
    tarball = corpus("usenet-20news", "groups", "sci.med.tar.xz")
    with scratch_database(kind, folder) as url:
        env = app_env(folder / "data", url, PYTHONFAULTHANDLER="1")
        proc = start_flask(env, "import", str(tarball), "--batch-size", "100")
        engine = create_engine(url)
        try:
            _wait_for_a_committed_batch(proc, engine)
            time.sleep(after)
            proc.send_signal(signal.SIGINT)
            if again is not None:
                time.sleep(again)
                proc.send_signal(signal.SIGINT)
            returncode, err = _ended(proc)
            with engine.connect() as conn:
                status, failure, imported = conn.execute(text(
                    "SELECT status, failure, imported FROM import_runs")).one()
            done = Interrupted(returncode, err, status, failure, imported,
                               posts_stored(url))
            return done, _import_again(env, str(tarball))
        finally:
            engine.dispose()


def _wait_for_a_committed_batch(proc: subprocess.Popen, engine) -> None:
    def committed() -> bool:
        try:
            with engine.connect() as conn:
                return bool(conn.scalar(text("SELECT max(read) FROM import_runs")))
        except Exception:  # noqa: BLE001 - no schema yet
            return False

    if not wait_while_running(proc, committed, timeout=120):
        raise AssertionError(f"no batch was committed (exit {proc.poll()})")


def _ended(proc: subprocess.Popen) -> tuple[int, str]:
    """The exit status and stderr; stacks and a failure if it does not end."""
    try:
        _out, err = proc.communicate(timeout=ENDS_WITHIN)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)  # faulthandler prints every stack
        _out, err = proc.communicate(timeout=30)
        raise AssertionError(f"still running {ENDS_WITHIN:.0f} s after Ctrl-C:\n"
                             f"{err[-12000:]}") from None
    return proc.returncode, err


def _import_again(env: dict, tarball: str) -> dict:
    """How `flask imports show` tells the interrupted run, and the report of
    running the import again (it exits 0, or `flask` raises)."""
    shown = flask(env, "imports", "show", "1").stdout.splitlines()[0]
    report = json.loads(flask(env, "import", tarball, "--json").stdout)
    return {"shown": shown, "report": report}


def _check_completed_by_a_second_run(done: Interrupted, rerun: dict) -> None:
    report = rerun["report"]
    assert report["read"] == SCI_MED_ARTICLES
    assert report["duplicates"] == done.stored  # what was committed stayed
    assert report["imported"] + report["duplicates"] == SCI_MED_ARTICLES


@pytest.mark.parametrize("kind", DATABASE_KINDS)
def test_ctrl_c_stops_at_the_next_message_and_is_recorded(kind, tmp_path):
    done, rerun = interrupt_an_import(kind, tmp_path, after=0.0, again=None)
    assert done.returncode == 130, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert NOTICE in lines
    assert lines[-1] == "error: import run 1 failed: KeyboardInterrupt"
    assert (done.status, done.failure) == ("failed", "KeyboardInterrupt")
    assert done.imported == done.stored  # only what was committed is counted
    assert rerun["shown"] == "run 1: failed (KeyboardInterrupt)"
    _check_completed_by_a_second_run(done, rerun)


@pytest.mark.parametrize("trial", range(RANDOM_TRIALS))
@pytest.mark.parametrize("kind", DATABASE_KINDS)
def test_ctrl_c_at_any_moment_loses_nothing(kind, trial, tmp_path):
    """Odd trials press Ctrl-C twice: the second interrupts wherever it lands,
    even inside a statement, and the process must still end and let go of its
    locks.  A run it leaves "running" is settled by the next one."""
    draw = random.Random(f"{kind}-{trial}")
    after = draw.uniform(0, 0.8)
    again = draw.uniform(0, 0.05) if trial % 2 else None
    done, rerun = interrupt_an_import(kind, tmp_path, after, again)
    why = f"after {after:.2f} s, again {again}: exit {done.returncode}\n" \
          f"{done.stderr[-3000:]}"
    if again is None:
        assert done.returncode == 130, why
        assert (done.status, done.failure) == ("failed", "KeyboardInterrupt"), why
    else:  # killed by the second Ctrl-C on its way out, or "Aborted!" by click
        assert done.returncode in (130, 1, -signal.SIGINT), why
        assert done.status in ("failed", "running"), why
    if done.status == "failed":
        assert done.failure == "KeyboardInterrupt", why
        assert done.imported == done.stored, why
    _check_completed_by_a_second_run(done, rerun)
