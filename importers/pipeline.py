"""Messages read ahead of the archiver: in a reader process for big imports.

Parsing a message and scanning its text (forum.services.analysis) cost about
as much as storing it.  For sources bigger than READER_AFTER_BYTES a reader
process does both on the other core and hands the importer ready messages a
chunk at a time, so the two run side by side; smaller imports (and the test
suite's hundreds of small ones) read in the importing process, skipping the
second or so a process takes to start.

`read_sources()` yields (source, messages) pairs; iterating `messages` raises
what reading that source raised, so the runner records a broken source and
goes on with the next one either way.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

from importers.base import (
    ImportProblem,
    IncomingMessage,
    storable_message,
    storable_problem,
)
from importers.detect import iter_source
from importers.streams import METER

logger = logging.getLogger(__name__)
READER_AFTER_BYTES = 8_000_000
CHUNK = 100
QUEUE_CHUNKS = 16  # bounded: at most ~1,600 messages in flight


class SourceFailed(Exception):
    """Reading a source failed in the reader process; the message says why."""


def read_sources(sources: list[str], fmt: str, group: str | None,
                 keep_raw: bool = True) -> Iterator[tuple[str, Iterator]]:
    """Each source with an iterator of its messages and problems, prepared."""
    if _size_of(sources) < READER_AFTER_BYTES:
        for source in sources:
            yield source, _read_here(source, fmt, group, keep_raw)
        return
    reader = ReaderProcess(sources, fmt, group, keep_raw)
    try:
        for source in sources:
            yield source, reader.messages_of(source)
    finally:
        reader.stop()


def _read_here(source: str, fmt: str, group: str | None,
               keep_raw: bool) -> Iterator[IncomingMessage | ImportProblem]:
    # A generator, so a source that cannot be read fails when the runner
    # iterates it (recorded as that source's error), not when it is listed.
    yield from prepared(iter_source(source, fmt, group), keep_raw)


def prepared(items, keep_raw: bool) -> Iterator[IncomingMessage | ImportProblem]:
    """Parsed items made storable, messages with their text work done."""
    from forum.services.analysis import prepare_message

    for item in items:
        if isinstance(item, IncomingMessage):
            yield prepare_message(storable_message(item), keep_raw)
        else:
            yield storable_problem(item)


def total_size(sources: list[str]) -> int:
    """The bytes on disk of every source (files below folders too): the
    import progress bar's total."""
    return _size_of(sources, limit=None)


def _size_of(sources: list[str], limit: int | None = READER_AFTER_BYTES) -> int:
    total = 0
    for source in sources:
        path = Path(source)
        try:
            if path.is_dir():
                total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
            else:
                total += path.stat().st_size
        except OSError:
            pass
        if limit is not None and total >= limit:
            break
    return total


class ReaderProcess:
    """A process reading and preparing every source, in order, a chunk at a time."""

    def __init__(self, sources: list[str], fmt: str, group: str | None,
                 keep_raw: bool) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self._queue = context.Queue(maxsize=QUEUE_CHUNKS)
        self._process = context.Process(
            target=_reader_main,
            args=(sources, fmt, group, keep_raw, self._queue, os.getpid()),
            name="forum-import-reader", daemon=True)
        self._process.start()
        self._pending: list = []

    def messages_of(self, source: str) -> Iterator[IncomingMessage | ImportProblem]:
        """What the reader sends for `source`, until it says the source ended."""
        while True:
            kind, value = self._next()
            if kind == "bytes":
                METER.elsewhere = value
                continue
            if kind == "end":
                return
            if kind == "error":
                raise SourceFailed(value)
            yield value

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=10)

    def _next(self):
        import queue as queues

        while not self._pending:
            try:
                self._pending = self._queue.get(timeout=1)
            except queues.Empty:
                if not self._process.is_alive():
                    raise RuntimeError("the import reader stopped (exit "
                                       f"{self._process.exitcode})") from None
            self._pending.reverse()
        return self._pending.pop()


def _reader_main(sources: list[str], fmt: str, group: str | None, keep_raw: bool,
                 queue, parent: int) -> None:
    from forum.search.processes import die_with_parent

    die_with_parent()
    chunk: list = []

    def send(kind: str, value=None) -> None:
        nonlocal chunk
        chunk.append((kind, value))
        if len(chunk) >= CHUNK or kind != "item":
            chunk.append(("bytes", METER.done))  # for the importer's progress bar
            queue.put(chunk)
            chunk = []

    for source in sources:
        try:
            for item in _read_here(source, fmt, group, keep_raw):
                send("item", item)
        except Exception as exc:  # noqa: BLE001 - sent to the importer, which records it
            send("error", str(exc) or type(exc).__name__)
            continue
        send("end")
    queue.close()
    queue.join_thread()
