"""Helpers for the search processes an import starts beside itself.

An indexer child must never outlive the import that started it: if the
importer dies (even by SIGKILL) the child goes too, and whatever it had not
committed stays in the outbox for the next writer.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queues
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from typing import Generic, TypeVar

T = TypeVar("T")


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


def next_message(inbox: Queue[T], parent: int, timeout: float = 5.0,
                 wait: bool = True) -> T | None:
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


def wait_for_ack(process: BaseProcess, acks: Queue[str], what: str,
                 name: str) -> None:
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


class ChildProcess(Generic[T]):
    """A process started beside this one: told things (T) on its inbox, it
    answers on its acks queue, and it stops if this process goes away.

    The target is called with `args`, the inbox, the acks queue and this
    process's id; it calls `die_with_parent()` and reads with `next_message()`.
    Not a daemon: the Whoosh indexer starts sub-writers, which a daemon may not.
    """

    def __init__(self, target: Callable[..., None], args: tuple[object, ...], *,
                 inbox_size: int, name: str) -> None:
        context = multiprocessing.get_context("spawn")
        self._name = name
        self._inbox: Queue[T] = context.Queue(maxsize=inbox_size)
        self._acks: Queue[str] = context.Queue()
        self._process: BaseProcess = context.Process(
            target=target, args=(*args, self._inbox, self._acks, os.getpid()),
            name="forum-search-indexer", daemon=False)
        self._process.start()

    def _raise_if_failed(self) -> None:
        """If the child has stopped, raise its error (or its exit code)."""
        if not self._process.is_alive():
            self._wait_for("running")

    def _wait_for(self, what: str) -> None:
        wait_for_ack(self._process, self._acks, what, self._name)
