"""Helpers for the search processes an import starts beside itself.

An indexer child must never outlive the import that started it: if the
importer dies (even by SIGKILL) the child goes too, and whatever it had not
committed stays in the outbox for the next writer.
"""

from __future__ import annotations

import os
import queue as queues


def die_with_parent() -> None:
    """On Linux, ask the kernel to end this process when its parent dies.

    A queue read can block for good if the parent is killed half-way through
    sending; a timeout cannot catch that, the parent-death signal can.
    """
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # elsewhere the ppid check in next_message is what remains


class ParentGone(RuntimeError):
    """The process that started this one has gone away."""


def next_message(inbox, parent: int, timeout: float = 5.0, wait: bool = True):
    """The next message, or None after `timeout` if not `wait`.

    Raises ParentGone if the parent is no longer there.
    """
    while True:
        try:
            return inbox.get(timeout=timeout)
        except queues.Empty:
            if os.getppid() != parent:
                raise ParentGone("the importing process went away") from None
            if not wait:
                return None


def wait_for_ack(process, acks, what: str, name: str) -> None:
    """Wait until `process` answers `what` on `acks`.

    Raises RuntimeError with the process's own error, or its exit code if it
    died without a word, instead of waiting for good.
    """
    while True:
        try:
            answer = acks.get(timeout=1)
        except queues.Empty:
            if not process.is_alive() and acks.empty():
                raise RuntimeError(f"the {name} stopped (exit "
                                   f"{process.exitcode})") from None
            continue
        if answer == what:
            return
        raise RuntimeError(f"the {name} failed: {answer}")
