"""Totals and facet counts for the Whoosh backend, by set algebra, cached.

Totals and facets need every matching post, not only the twenty shown.
Whoosh's own way (`docs_for_query`, `groupedby`) walks its matchers one
document at a time in Python: at 100,000 posts a common word took 180 ms for
the set and 1.5 s with facets.  Here a query's set is built from whole posting
lists with Python's set operations, facets are counted from three columns read
once per searcher, and both are kept until the index changes (a new searcher
means a new `SearcherSets`).  Phrases and date ranges, whose postings would
need positions or a range expansion, fall back to Whoosh's walk.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain
from typing import Any, TypeVar

from forum.search import ast
from forum.search.backends.whoosh.schema import Reader
from forum.search.interface import FACETS, Facets, top_facet_values

K = TypeVar("K")
V = TypeVar("V")
# A page request: (query, sort, offset, limit).
PageKey = tuple[ast.Node, str, int, int]


class LRU(OrderedDict[K, V]):
    """A small least-recently-used map."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def fetch(self, key: K, compute: Callable[[], V]) -> V:
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = compute()
        if len(self) > self.size:
            self.popitem(last=False)
        return value


class SearcherSets:
    """Matching-document sets and facet counts for one open searcher."""

    def __init__(self, reader: Reader, fields: Mapping[str | None, tuple[str, ...]],
                 walk: Callable[[ast.Node], Iterable[int]],
                 prefix_words: Callable[[str, str, int], list[str]]) -> None:
        self.reader = reader
        self.fields = fields
        self.walk = walk
        self.prefix_words = prefix_words
        self._terms: LRU[tuple[str, str], frozenset[int]] = LRU(64)
        # Answers already computed: page ids by request, (total, facets) by query.
        self.pages: LRU[PageKey, list[int]] = LRU(256)
        self._counts: LRU[ast.Node, tuple[int, Facets]] = LRU(256)
        self._columns: tuple[list[tuple[str, ...]], list[int | None],
                             list[Any]] | None = None
        self._everything: frozenset[int] | None = None

    def total_and_facets(self, node: ast.Node) -> tuple[int, Facets]:
        """The exact number of matching posts and the top facet values."""
        return self._counts.fetch(node, lambda: self._count(self.docs(node)))

    # -- sets -----------------------------------------------------------------

    def docs(self, node: ast.Node) -> frozenset[int]:
        match node:
            case ast.Term(text=text, field=field):
                return self._union(self._term(f, text) for f in self.fields[field])
            case ast.Phrase(words=(word,), field=field):
                return self._union(self._term(f, word) for f in self.fields[field])
            case ast.Prefix(text=text, field=field, limit=limit):
                return self._union(self._term(f, word) for f in self.fields[field]
                                   for word in self.prefix_words(f, text, limit))
            case ast.Exact(field=field, value=value):
                return self._term(field, value if field == "thread" else value.lower())
            case ast.Not(child=child):
                return self.everything() - self.docs(child)
            case ast.And(children=children):
                return self._intersection(children)
            case ast.Or(children=children):
                return self._union(self.docs(child) for child in children)
        return frozenset(self.walk(node))

    def everything(self) -> frozenset[int]:
        if self._everything is None:
            self._everything = frozenset(self.reader.all_doc_ids())
        return self._everything

    def _intersection(self, children: Sequence[ast.Node]) -> frozenset[int]:
        positive = [c for c in children if not isinstance(c, ast.Not)]
        negative = [c.child for c in children if isinstance(c, ast.Not)]
        sets = sorted((self.docs(c) for c in positive), key=len) or [self.everything()]
        result = set(sets[0])
        for other in sets[1:]:
            result &= other
        for child in negative:
            if not result:
                break
            result -= self.docs(child)
        return frozenset(result)

    @staticmethod
    def _union(sets: Iterable[frozenset[int]]) -> frozenset[int]:
        result: set[int] = set()
        for found in sets:
            result |= found
        return frozenset(result)

    def _term(self, field: str, text: str) -> frozenset[int]:
        def read() -> frozenset[int]:
            if (field, text) not in self.reader:
                return frozenset()
            return frozenset(self.reader.postings(field, text).all_ids())

        return self._terms.fetch((field, text), read)

    # -- facets ---------------------------------------------------------------

    def _count(self, docs: frozenset[int]) -> tuple[int, Facets]:
        if not docs:  # also an empty index, whose reader has no columns at all
            return 0, {name: [] for name in FACETS}
        groups, years, authors = self._facet_columns()
        return len(docs), {
            "group": top_facet_values(Counter(chain.from_iterable(
                map(groups.__getitem__, docs)))),
            "year": top_facet_values(Counter(map(years.__getitem__, docs))),
            "author": top_facet_values(Counter(map(authors.__getitem__, docs))),
        }

    def _facet_columns(self) -> tuple[list[tuple[str, ...]], list[int | None],
                                      list[Any]]:
        """Per document: its groups, its year (None if undated), its author."""
        if self._columns is None:
            reader = self.reader
            size = reader.doc_count_all()
            groups: list[tuple[str, ...]] = [()] * size
            for term in reader.lexicon("group"):
                name = term.decode("utf-8")
                for doc in reader.postings("group", term).all_ids():
                    groups[doc] += (name,)
            # An undated post's column holds a filler (the largest int).
            years = [year if isinstance(year, int) and 0 < year < 10_000 else None
                     for year in _column(reader, "year")]
            authors = _column(reader, "author_key")
            self._columns = (groups, years, authors)
        return self._columns


def _column(reader: Reader, field: str) -> list[Any]:
    """A column's values by document number, segment after segment.

    Not `reader.column_reader()`: on a multi-segment reader it leaves out the
    segments that lack the column, which shifts every later document.
    """
    values: list[Any] = []
    for leaf, _offset in reader.leaf_readers():
        if leaf.has_column(field):
            values.extend(leaf.column_reader(field))
        else:
            values.extend([None] * leaf.doc_count_all())
    return values
