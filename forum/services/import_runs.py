"""Import runs that died: a run is never left "running" once its process is gone.

A run records who runs it ("host:pid") and commits a heartbeat with each batch.
Whoever looks next (the next import, `imports list`, the /imports/ pages) marks
a run failed when its process no longer exists on this machine, or when a run
on another machine has reported nothing for STALE_AFTER.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from forum.extensions import write_intent
from forum.models import ImportRun

STALE_AFTER = timedelta(minutes=15)


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def settle_abandoned_runs(session: Session) -> int:
    """Mark failed every "running" run whose process is gone; returns how many.

    Commits what it marks.  Only a dead run pays for a write transaction: a
    page that calls this while an import is alive costs one small read.
    """
    host = socket.gethostname()
    running = select(ImportRun).where(ImportRun.status == "running")
    if not any(why_abandoned(run, host) for run in session.scalars(running)):
        return 0
    session.commit()  # end a read transaction: the next must take the write lock
    settled = 0
    with write_intent():
        for run in session.scalars(select(ImportRun)
                                   .where(ImportRun.status == "running")):
            reason = why_abandoned(run, host)
            if reason:
                run.status, run.failure, run.finished_at = "failed", reason, _now()
                settled += 1
        session.commit()
    return settled


def why_abandoned(run: ImportRun, host: str) -> str | None:
    """Why `run` cannot still be running, or None while it may be."""
    worker_host, _, pid = (run.worker or "").rpartition(":")
    if worker_host == host and pid.isdigit():
        if _process_alive(int(pid)):
            return None
        return (f"the importing process (pid {pid}) ended without finishing "
                f"(killed or crashed); run the same import again to complete it")
    beat = run.heartbeat_at or run.started_at
    if beat is not None and _now() - beat < STALE_AFTER:
        return None
    when = f"{beat:%Y-%m-%d %H:%M} UTC" if beat else "its start"
    return (f"no progress reported since {when} by "
            f"{run.worker or 'an unknown process'}; presumed dead")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A killed child its parent has not reaped yet still answers kill(0)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
