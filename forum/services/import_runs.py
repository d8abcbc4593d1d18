"""Import runs that died: a run is never left "running" once its process is gone.

A run records who runs it ("host:pid@table", the table naming the machine's boot
and the pid namespace) and commits a heartbeat with each batch.  Whoever looks
next (the next import, `imports list`, the /imports/ pages) marks a run failed
when its process no longer exists in this same process table, or when any other
run has reported nothing for STALE_AFTER.  Containers often share a host name,
so a bare "host:pid" (written before tables were recorded) is judged by its
pid only once its heartbeat is older than PID_GRACE.
"""

from __future__ import annotations

import functools
import os
import socket
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from forum.extensions import DbSession, write_intent
from forum.models import ImportRun

STALE_AFTER = timedelta(minutes=15)
PID_GRACE = timedelta(minutes=2)


def this_worker() -> str:
    """Who runs an import: host, pid and, where known, the pid's process table."""
    table = _process_table()
    return f"{socket.gethostname()}:{os.getpid()}" + (f"@{table}" if table else "")


@functools.cache
def _process_table() -> str:
    """This boot of this machine, and this pid namespace ("" where unknown).

    Two containers may share a host name, never a pid namespace: only a pid
    recorded in this same table says whether its run is alive.
    """
    try:
        with open("/proc/sys/kernel/random/boot_id") as handle:
            boot = handle.read().strip()[:8]
        namespace = os.readlink("/proc/self/ns/pid")  # "pid:[4026531836]"
    except OSError:
        return ""
    return f"{boot}.{namespace.removeprefix('pid:[').removesuffix(']')}"


def settle_abandoned_runs(session: DbSession) -> int:
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
    worker_host, _, pid_at = (run.worker or "").rpartition(":")
    pid, _, table = pid_at.partition("@")
    beat = run.heartbeat_at or run.started_at
    if worker_host == host and pid.isdigit() and table in ("", _process_table()):
        if _process_alive(int(pid)) or (not table and _recent(beat, PID_GRACE)):
            return None
        return (f"the importing process (pid {pid}) ended without finishing "
                f"(killed or crashed); run the same import again to complete it")
    if _recent(beat, STALE_AFTER):
        return None
    when = f"{beat:%Y-%m-%d %H:%M} UTC" if beat else "its start"
    return (f"no progress reported since {when} by "
            f"{run.worker or 'an unknown process'}; presumed dead")


def _recent(beat: datetime | None, within: timedelta) -> bool:
    return beat is not None and _now() - beat < within


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
