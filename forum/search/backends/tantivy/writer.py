"""The tantivy writer: taken from tantivy's own lock, let go after merges.

One writer at a time: tantivy's own lock file, which another process meets as
`LockBusy` at once and which the kernel frees if its holder is killed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from typing import Protocol

import tantivy

from forum.search.backends.common import WriterBusy
from forum.search.backends.tantivy.schema import document_fields
from forum.search.documents import PostDocument

WRITER_HEAP = 32_000_000  # one thread; tantivy needs >= 15 MB a thread
BULK_HEAP = 96_000_000
BULK_THREADS = 1 if (os.cpu_count() or 1) <= 2 else 2
WAIT_FOR_WRITER = 120.0
MAX_SEGMENTS = 12  # beyond this a writer waits for merges before it lets go


def open_writer(ix: tantivy.Index, wait: bool, bulk: bool) -> tantivy.IndexWriter:
    """The index's writer, waited for up to WAIT_FOR_WRITER if `wait`;
    WriterBusy if another process holds it still."""
    heap, threads = (BULK_HEAP, BULK_THREADS) if bulk else (WRITER_HEAP, 1)
    deadline = time.monotonic() + (WAIT_FOR_WRITER if wait else 0)
    while True:
        try:
            return ix.writer(heap_size=heap, num_threads=threads)
        except ValueError as exc:
            if "LockBusy" not in str(exc):
                raise
            if time.monotonic() >= deadline:
                raise WriterBusy(str(exc)) from None
            time.sleep(0.02)


class Searchable(Protocol):
    """What a writer needs of its index (TantivyIndex): the schema, and the
    searcher to look at and refresh after a commit."""

    schema: tantivy.Schema

    def current_searcher(self) -> tantivy.Searcher: ...

    def reload_searcher(self) -> None: ...


class TantivyWriter:
    """An open tantivy writer: add, delete, commit; merges when let go."""

    def __init__(self, index: Searchable, raw: tantivy.IndexWriter) -> None:
        self.index = index
        self.raw: tantivy.IndexWriter | None = raw
        self.schema = index.schema

    def _open(self) -> tantivy.IndexWriter:
        if self.raw is None:
            raise RuntimeError("this tantivy writer has been released")
        return self.raw

    def add(self, documents: Sequence[PostDocument], *, new: bool = False) -> None:
        raw, schema = self._open(), self.schema
        for doc in documents:
            if not new:
                raw.delete_documents_by_term("id", doc.post_id)
            raw.add_document(tantivy.Document.from_dict(document_fields(doc), schema))

    def delete(self, post_ids: Iterable[int]) -> None:
        for post_id in post_ids:
            self._open().delete_documents_by_term("id", int(post_id))

    def clear(self) -> None:
        self._open().delete_all_documents()

    def commit(self) -> None:
        self._open().commit()
        self.index.reload_searcher()

    def release(self, merge: bool = False) -> None:
        """Let go of the writer (and its lock), after merges if segments piled up.

        A writer dropped at once abandons the merges its commits started, so a
        run of short writers would leave segment after segment behind.
        """
        raw, self.raw = self.raw, None
        if raw is None:
            return
        if merge or self.index.current_searcher().num_segments > MAX_SEGMENTS:
            raw.wait_merging_threads()
            self.index.reload_searcher()
        del raw
