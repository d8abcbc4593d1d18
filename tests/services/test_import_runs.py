"""Telling a dead import run from a live one, when containers share a host name."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import ImportRun
from forum.services.import_runs import (
    _now,
    settle_abandoned_runs,
    this_worker,
    why_abandoned,
)

HOST = socket.gethostname()


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped) on this machine."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def run_of(worker: str, minutes_since_beat: float) -> ImportRun:
    beat = _now() - timedelta(minutes=minutes_since_beat)
    return ImportRun(status="running", worker=worker, started_at=beat,
                     heartbeat_at=beat)


@pytest.mark.parametrize("minutes", [0, 1.5])
def test_a_fresh_heartbeat_outweighs_a_pid_from_an_unknown_process_table(
        dead_pid, minutes):
    """A bare "host:pid" may be another container's, under the same host name."""
    assert why_abandoned(run_of(f"{HOST}:{dead_pid}", minutes), HOST) is None


def test_a_pid_of_unknown_table_is_judged_once_the_heartbeat_is_stale(dead_pid):
    reason = why_abandoned(run_of(f"{HOST}:{dead_pid}", 3), HOST)
    assert reason and "ended without finishing" in reason


def test_a_run_from_another_container_of_the_same_name_waits_for_its_heartbeat(
        dead_pid):
    worker = f"{HOST}:{dead_pid}@0000beef.4026599999"
    assert why_abandoned(run_of(worker, 5), HOST) is None
    reason = why_abandoned(run_of(worker, 20), HOST)
    assert reason and "presumed dead" in reason


def test_a_dead_process_of_this_very_process_table_is_known_at_once(dead_pid):
    worker = this_worker().replace(f":{_pid_of(this_worker())}", f":{dead_pid}")
    if "@" not in worker:
        pytest.skip("no /proc here: a pid alone cannot name the process table")
    reason = why_abandoned(run_of(worker, 0), HOST)
    assert reason and "ended without finishing" in reason
    assert why_abandoned(run_of(this_worker(), 60), HOST) is None  # alive: us


def _pid_of(worker: str) -> str:
    return worker.rpartition(":")[2].partition("@")[0]


def test_settling_leaves_a_run_with_a_fresh_heartbeat_running(app, dead_pid):
    db.session.add_all([run_of(f"{HOST}:{dead_pid}", 0.5),
                        run_of(f"{HOST}:{dead_pid}", 10)])
    db.session.commit()
    assert settle_abandoned_runs(db.session) == 1
    statuses = db.session.scalars(select(ImportRun.status).order_by(ImportRun.id))
    assert list(statuses) == ["running", "failed"]
