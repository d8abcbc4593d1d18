"""One Whoosh writer at a time across processes."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

LOCK_NAME = "forum-writer.lock"


class WriterLock:
    """One writer at a time across processes: flock on a file beside the index.

    The kernel drops the lock when its holder dies, even by SIGKILL.  A RAM
    index (no file) uses a lock of this process.
    """

    def __init__(self, path: Path | None, timeout: float = 120.0) -> None:
        self.path, self.timeout = path, timeout
        self._thread_lock = threading.Lock()
        self._fd: int | None = None

    def acquire(self, wait: bool) -> bool:
        if not self._thread_lock.acquire(timeout=self.timeout if wait else 0):
            return False
        if self.path is None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + (self.timeout if wait else 0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._fd = fd
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    self._thread_lock.release()
                    return False
                time.sleep(0.02)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file drops the flock
            self._fd = None
        self._thread_lock.release()
