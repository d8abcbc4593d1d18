"""Bulk indexing in a second process, beside the import that feeds it."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from multiprocessing.queues import Queue
from pathlib import Path

from forum.search.backends.whoosh.schema import Ix, RawWriter, open_folder
from forum.search.backends.whoosh.window import WRITER_OPTIONS, Window
from forum.search.documents import PostDocument
from forum.search.processes import ChildProcess, die_with_parent, next_message

# An import's writer gets a larger buffer and commits every BULK_COMMIT_DOCS
# posts without merging: merges were half the indexer's CPU when every commit
# merged small segments (profiled at 100,000 posts).  close() merges once.
BULK_WRITER_OPTIONS = {**WRITER_OPTIONS, "limitmb": 128}
BULK_COMMIT_DOCS = 10_000
# Whoosh's own multi-process writer: sub-writers on the other cores each
# build a segment (measured 334 -> 663 posts/s with 2 on a 2-core machine).
BULK_PROCS = min(os.cpu_count() or 1, 4)
BULK_MP_MIN_DOCS = 2000

# What the child is sent: ("docs", new, changed, gone), ("clear", ...) or
# ("commit", ...) with empty lists; None to finish.
_Message = tuple[str, list[PostDocument], list[PostDocument], list[int]]


class BulkIndexer(ChildProcess[_Message | None]):
    """Index an import's batches in a child process while the import goes on.

    Parsing, deduplicating and storing run in the importing process; the index
    writer runs beside it on the other core, so an import runs at the speed of
    the slower of the two rather than their sum.  The child writes a segment
    every BULK_COMMIT_DOCS posts; `commit()` waits until it has written what
    it was sent, and `close()` merges and waits for the child to end.
    """

    def __init__(self, folder: str) -> None:
        super().__init__(_bulk_worker, (folder,), inbox_size=4, name="Whoosh indexer")

    def add(self, documents: Sequence[PostDocument], *, new: bool = False) -> None:
        docs = list(documents)
        self._put(("docs", docs if new else [], [] if new else docs, []))

    def delete(self, post_ids: Iterable[int]) -> None:
        self._put(("docs", [], [], list(post_ids)))

    def clear(self) -> None:
        self._put(("clear", [], [], []))

    def commit(self) -> None:
        """Wait until the child has written everything sent so far."""
        self._put(("commit", [], [], []))
        self._wait_for("committed")

    def close(self) -> None:
        """Finish: merge segments, wait for the child, raise what it raised."""
        if self._process.is_alive():
            self._inbox.put(None)
            self._wait_for("closed")
        self._process.join()
        if self._process.exitcode:
            raise RuntimeError(f"search indexer exited with {self._process.exitcode}")

    def _put(self, item: _Message) -> None:
        self._raise_if_failed()
        self._inbox.put(item)


def _bulk_worker(folder: str, queue: Queue[_Message | None], acks: Queue[str],
                 parent: int) -> None:
    die_with_parent()
    try:
        ix = open_folder(Path(folder))
        window = Window()
        while (item := next_message(queue, parent)) is not None:
            kind, new, changed, gone = item
            if kind == "commit":
                window.commit(_bulk_writer(ix, window), merge=False)
                acks.put("committed")
                continue
            if kind == "clear":
                window = Window(clear=True)
                continue
            window.take(new, changed, gone)
            if len(window) >= BULK_COMMIT_DOCS:
                window.commit(_bulk_writer(ix, window), merge=False)
        # The last commit merges the small segments (Whoosh's MERGE_SMALL), so
        # an import leaves a few segments of BULK_COMMIT_DOCS, not hundreds.
        window.commit(_bulk_writer(ix, window), merge=True)
        acks.put("closed")
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        acks.put(f"{type(exc).__name__}: {exc}")
        raise


def _bulk_writer(ix: Ix, window: Window) -> RawWriter:
    """Sub-writers pay off for a big window; a small one is written in place.

    A window that clears the index is written in place too: clearing drops
    the committed segments through `mergetype`, which only the plain writer
    takes.
    """
    if BULK_PROCS > 1 and len(window) >= BULK_MP_MIN_DOCS and not window.clear:
        return ix.writer(procs=BULK_PROCS, multisegment=True, **BULK_WRITER_OPTIONS)
    return ix.writer(**BULK_WRITER_OPTIONS)
