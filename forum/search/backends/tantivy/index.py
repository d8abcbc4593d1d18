"""The tantivy backend: a reader per process, reloaded when another commits."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tantivy

from forum.extensions import DbSession
from forum.search import ast
from forum.search.backends.common import (
    TEXT_FIELDS,
    WriterBusy,
    WriterSessions,
    describe_folder,
)
from forum.search.backends.tantivy import schema
from forum.search.backends.tantivy.compiler import QueryCompiler
from forum.search.backends.tantivy.facets import count_facets, facet_pool
from forum.search.backends.tantivy.schema import number
from forum.search.backends.tantivy.writer import TantivyWriter, open_writer
from forum.search.interface import PendingFacets, SearchHits
from forum.search.spelling import closest_word

STAMP_CHUNK = 50_000


class TantivyIndex(WriterSessions[TantivyWriter]):
    """A tantivy index on disk (or in RAM for unit tests)."""

    name = "tantivy"
    in_database = False

    def __init__(self, ix: tantivy.Index, folder: Path | None = None) -> None:
        self.ix = ix
        self.folder = folder
        self.schema = ix.schema
        ix.register_tokenizer(schema.TOKENIZER, schema.analyzer())
        self._lock = threading.Lock()
        self._searcher: tantivy.Searcher | None = None
        self._seen: tuple[int, int, int] | None = None

    @classmethod
    def on_disk(cls, folder: str | Path) -> TantivyIndex:
        return cls(schema.open_folder(Path(folder)), Path(folder))

    @classmethod
    def in_memory(cls) -> TantivyIndex:
        return cls(tantivy.Index(schema.make_schema()))

    # -- writing -----------------------------------------------------------------

    @contextmanager
    def writer(self, *, wait: bool = True, bulk: bool = False,
               session: DbSession | None = None) -> Iterator[TantivyWriter | None]:
        """The index writer, held until the block ends; None if busy and not `wait`."""
        try:
            raw = open_writer(self.ix, wait, bulk)
        except WriterBusy:
            yield None
            return
        writer = TantivyWriter(self, raw)
        try:
            yield writer
        finally:
            writer.release(merge=bulk)

    def optimize(self) -> None:
        """Let tantivy's merge policy merge what it will, and wait for it."""
        with self.waiting_writer() as writer:
            writer.commit()
            writer.release(merge=True)

    def count(self) -> int:
        return self.current_searcher().num_docs

    def describe(self) -> dict[str, Any]:
        found = describe_folder(self.name, self.folder, "*")
        if self.folder is not None:
            found["segments"] = self.current_searcher().num_segments
        return found

    # -- reading -----------------------------------------------------------------

    def search(self, query: ast.Node, *, sort: str = "relevance", offset: int = 0,
               limit: int = 20, facets: bool = True) -> SearchHits:
        """One page of ids (ranked by BM25 or by date), the total and facets."""
        searcher = self.current_searcher()
        compiled = QueryCompiler(self.schema, searcher).compile(query)
        order_by_field, order = None, tantivy.Order.Desc
        if sort in ("date", "oldest"):
            order_by_field = "date"
            order = tantivy.Order.Desc if sort == "date" else tantivy.Order.Asc
        counts = PendingFacets(facet_pool().submit(count_facets, searcher, compiled)) \
            if facets else {}
        result = searcher.search(compiled, limit, count=True, offset=offset,
                                 order_by_field=order_by_field, order=order)
        addresses = [address for _score, address in result.hits]
        ids = [number(i) for i in searcher.fast_field_values("id", addresses)]
        # The stub leaves out SearchResult.count (set when count=True).
        total: int = result.count  # type: ignore[attr-defined]
        return SearchHits(ids=ids, total=total, facets=counts)

    def suggest(self, words: list[str]) -> dict[str, str]:
        """A known word one edit away (or two, sharing the first two letters)."""
        searcher = self.current_searcher()
        suggestions: dict[str, str] = {}

        def frequency(word: str) -> int:
            return searcher.doc_freq("new", word)

        for word in words:
            if word.endswith("*") or any(searcher.doc_freq(f, word)
                                         for f in TEXT_FIELDS):
                continue
            best = closest_word(
                word, lambda found: [w for w in found if frequency(w)],
                lambda prefix: [w for w, _n in searcher.terms_with_prefix(
                    "new", prefix, limit=5000)],
                frequency)
            if best:
                suggestions[word] = best
        return suggestions

    def stamps(self) -> dict[int, str]:
        """Every indexed id with its stamp, read from fast fields a chunk at a time."""
        searcher = self.current_searcher()
        found: dict[int, str] = {}
        top = self._max_id(searcher)
        for low in range(0, top + 1, STAMP_CHUNK):
            query = tantivy.Query.range_query(
                self.schema, "id", tantivy.FieldType.Integer, low,
                low + STAMP_CHUNK, include_upper=False)
            result = searcher.search(query, STAMP_CHUNK, count=False)
            addresses = [address for _score, address in result.hits]
            ids = searcher.fast_field_values("id", addresses)
            stamps = searcher.fast_field_values("stamp", addresses)
            found.update((number(i), f"{int(s or 0):016x}")
                         for i, s in zip(ids, stamps, strict=True))
        return found

    @staticmethod
    def _max_id(searcher: tantivy.Searcher) -> int:
        if not searcher.num_docs:
            return -1
        answer = searcher.aggregate(tantivy.Query.all_query(),
                                    {"top": {"max": {"field": "id"}}})
        return int(answer["top"]["value"] or 0)

    def current_searcher(self) -> tantivy.Searcher:
        """This process's searcher, reloaded when another commit changed meta.json."""
        with self._lock:
            seen = self._meta_state()
            if self._searcher is None or seen != self._seen:
                self.ix.reload()
                self._searcher, self._seen = self.ix.searcher(), seen
            return self._searcher

    def reload_searcher(self) -> None:
        """A new searcher at once (after this process committed)."""
        with self._lock:
            self.ix.reload()
            self._searcher, self._seen = self.ix.searcher(), self._meta_state()

    def _meta_state(self) -> tuple[int, int, int] | None:
        if self.folder is None:
            return None
        try:
            meta = os.stat(self.folder / "meta.json")
        except FileNotFoundError:
            return None
        return meta.st_ino, meta.st_mtime_ns, meta.st_size
