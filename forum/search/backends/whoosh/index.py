"""The Whoosh backend: one searcher per process, one writer across processes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from forum.extensions import DbSession
from forum.search import ast
from forum.search.backends.common import (
    FIELD_MAP,
    TEXT_FIELDS,
    WriterSessions,
    describe_folder,
)
from forum.search.backends.whoosh import schema
from forum.search.backends.whoosh.compiler import (
    compile_query,
    prefix_words,
    sort_facet,
)
from forum.search.backends.whoosh.indexer import BulkIndexer
from forum.search.backends.whoosh.lock import LOCK_NAME, WriterLock
from forum.search.backends.whoosh.schema import Ix, Searcher
from forum.search.backends.whoosh.sets import SearcherSets
from forum.search.backends.whoosh.window import WindowWriter
from forum.search.interface import SearchHits

Writer = WindowWriter | BulkIndexer


class WhooshIndex(WriterSessions[Writer]):
    """A Whoosh index on disk (or in RAM for unit tests)."""

    name = "whoosh"
    in_database = False

    def __init__(self, ix: Ix, folder: str | None = None) -> None:
        self.ix = ix
        self.folder = folder
        self._searcher: Searcher | None = None
        self._sets: SearcherSets | None = None
        self._lock = threading.Lock()
        self._exclusive = WriterLock(Path(folder) / LOCK_NAME if folder else None)

    @classmethod
    def on_disk(cls, folder: str | Path) -> WhooshIndex:
        return cls(schema.open_folder(Path(folder)), str(folder))

    @classmethod
    def in_memory(cls) -> WhooshIndex:
        return cls(schema.in_memory())

    # -- writing -----------------------------------------------------------------

    @contextmanager
    def writer(self, *, wait: bool = True, bulk: bool = False,
               session: DbSession | None = None) -> Iterator[Writer | None]:
        """Exclusive write access; None when another process has it and not `wait`.

        Whoosh's own lock is taken only while a window of changes is written;
        this one is held for the whole session, so changes reach the index in
        the order they were made, even while an import's indexer child writes.
        """
        if not self._exclusive.acquire(wait):
            yield None
            return
        try:
            if bulk and self.folder is not None:
                child = BulkIndexer(self.folder)
                try:
                    yield child
                finally:
                    child.close()
            else:
                yield WindowWriter(self.ix)
        finally:
            self._exclusive.release()

    def optimize(self) -> None:
        """Merge every segment into one: fastest searches, run when quiet."""
        with self.waiting_writer():
            self.ix.optimize()

    def count(self) -> int:
        return int(self.ix.doc_count())

    def describe(self) -> dict[str, Any]:
        folder = Path(self.folder) if self.folder is not None else None
        return describe_folder(self.name, folder, "*MAIN*")

    # -- reading -----------------------------------------------------------------

    def search(self, query: ast.Node, *, sort: str = "relevance", offset: int = 0,
               limit: int = 20, facets: bool = True) -> SearchHits:
        """Ranked post ids for one page, the exact total, and facet counts.

        Whoosh ranks only the page (skipping blocks that cannot reach it); the
        total and facets come from `SearcherSets`.  Both are remembered until
        the index changes, so paging through results or a popular query costs
        one database read and a template.
        """
        with self._lock:
            searcher, sets = self._current_searcher()
            ids = sets.pages.fetch(
                (query, sort, offset, limit),
                lambda: self._page_ids(searcher, query, sort, offset, limit),
            )
            total, counts = sets.total_and_facets(query)
            return SearchHits(ids=ids, total=total, facets=counts if facets else {})

    @staticmethod
    def _page_ids(searcher: Searcher, query: ast.Node, sort: str, offset: int,
                  limit: int) -> list[int]:
        results = searcher.search(compile_query(query, searcher), limit=offset + limit,
                                  sortedby=sort_facet(sort), terms=False)
        return [int(hit["id"]) for hit in results[offset : offset + limit]]

    def suggest(self, words: list[str]) -> dict[str, str]:
        """Spelling suggestions for words that occur nowhere in the index."""
        suggestions: dict[str, str] = {}
        with self._lock:
            searcher, _sets = self._current_searcher()
            for word in words:
                if any(searcher.doc_frequency(f, word) for f in TEXT_FIELDS):
                    continue
                found = searcher.corrector("new").suggest(word, limit=1)
                if found:
                    suggestions[word] = found[0]
        return suggestions

    def stamps(self) -> dict[int, str]:
        """Every indexed post id with the stamp of what was indexed for it."""
        with self.ix.searcher() as searcher:
            return {int(f["id"]): f.get("stamp", "")
                    for f in searcher.all_stored_fields()}

    def _current_searcher(self) -> tuple[Searcher, SearcherSets]:
        """The open searcher and its sets, replaced when the index changed
        since it was opened.

        A fresh searcher rather than `refresh()`: refresh reuses segment readers
        and was seen to keep showing a document replaced by update_document.
        """
        if self._searcher is not None and not self._searcher.up_to_date():
            self._searcher.close()
            self._searcher = self._sets = None
        if self._searcher is None or self._sets is None:
            self._searcher = searcher = self.ix.searcher()
            self._sets = SearcherSets(
                searcher.reader(), FIELD_MAP,
                walk=lambda node: searcher.docs_for_query(
                    compile_query(node, searcher)),
                prefix_words=lambda field, text, limit: prefix_words(
                    searcher, field, text, limit),
            )
        return self._searcher, self._sets
