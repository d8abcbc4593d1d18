"""The contract every search backend keeps, in a module of its own.

Backends, the outbox and the bulk writer import it from here; the package's
`__init__` re-exports it beside the factory that opens a backend, so callers
write `from forum.search import SearchHits` and no backend ever imports the
factory that imports it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from forum.errors import ForumError
from forum.search import ast
from forum.search.documents import PostDocument

SORTS = ("relevance", "date", "oldest")
FACETS = ("group", "year", "author")
FACET_LIMIT = 10
# A facet's top values, each with its count; and every facet's, by name.
FacetValues = list[tuple[str, int]]
Facets = dict[str, FacetValues]
T = TypeVar("T")
K = TypeVar("K")


class RumNeedsPostgres(ForumError):
    """Only a PostgreSQL index can move to RUM; the others have no such index."""


class RumExtensionMissing(ForumError):
    """The PostgreSQL server lacks the rum extension the move needs."""


@dataclass
class SearchHits:
    """One page of ranked ids, the exact total, facet counts and suggestions.

    `facets` maps each of FACETS to at most FACET_LIMIT (value, count) pairs,
    most frequent first, ties in value order; years are strings, undated
    posts are not counted.
    """

    ids: list[int]
    total: int
    facets: Mapping[str, FacetValues] = field(default_factory=dict)
    suggestions: dict[str, str] = field(default_factory=dict)


class IndexWriter(Protocol):
    """Exclusive, short-lived write access to an index (see `SearchIndex.writer`).

    Changes become visible to searchers, in this process at once and in
    others within a second, when `commit()` returns.
    """

    def add(self, documents: Sequence[PostDocument], *, new: bool = False) -> None:
        """Add or replace documents; `new` promises none of them is indexed yet."""

    def delete(self, post_ids: Iterable[int]) -> None:
        """Remove these posts (hidden, purged, ghosts) if they are indexed."""

    def clear(self) -> None:
        """Delete every document; searchers still see them until `commit()`."""

    def commit(self) -> None:
        """Make everything added or deleted so far durable and searchable."""


class SearchIndex(Protocol):
    """What every search backend offers the services.

    `name` is the backend's name as configured; `in_database` is true for a
    backend that lives in the application database, whose writes go through
    the caller's session and so commit or roll back with the post they follow.
    """

    name: str
    in_database: bool

    def writer(self, *, wait: bool = True, bulk: bool = False,
               session: Any = None) -> AbstractContextManager[IndexWriter | None]:
        """Exclusive write access, or None at once when another process holds it
        and `wait` is false; `bulk` asks for a writer sized for an import."""

    def index(self, documents: Iterable[PostDocument], *, session: Any = None) -> int:
        """Add or replace documents and commit; returns how many."""

    def delete(self, post_ids: Iterable[int], *, session: Any = None) -> int:
        """Remove posts and commit; returns how many ids were given."""

    def search(self, query: ast.Node, *, sort: str = "relevance", offset: int = 0,
               limit: int = 20, facets: bool = True) -> SearchHits:
        """Ranked ids of one page (`sort` one of SORTS), total and facets.

        A page past the end is empty with the right total; an empty index
        answers every query with nothing.
        """

    def suggest(self, words: list[str]) -> dict[str, str]:
        """For words found nowhere in the index, a close indexed word."""

    def stamps(self) -> dict[int, str]:
        """Every indexed post id with the stamp of what was indexed for it."""

    def count(self) -> int:
        """How many posts are indexed."""

    def clear(self) -> None:
        """Empty the index (a rebuild starts here)."""

    def optimize(self) -> None:
        """Merge segments or refresh statistics: faster searches, run when quiet."""

    def describe(self) -> dict[str, Any]:
        """Name, where the index lives and its size in bytes, for people."""


def each_chunk(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


class PendingFacets(Mapping[str, FacetValues]):
    """Facet counts still being counted in another thread; reading one waits.

    An engine that counts without holding the GIL (tantivy) starts the count
    beside the top-k search, and the page loads its posts from the database
    meanwhile: on two cores the counts then cost a page almost nothing.  An
    error in the count is raised where the counts are read.
    """

    def __init__(self, future: Future[Facets]) -> None:
        self._future = future

    def _counts(self) -> Facets:
        return self._future.result()

    def __getitem__(self, name: str) -> FacetValues:
        return self._counts()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._counts())

    def __len__(self) -> int:
        return len(self._counts())

    def __repr__(self) -> str:
        return f"PendingFacets({self._counts()!r})"


def top_facet_values(counts: Mapping[K, int], limit: int = FACET_LIMIT) -> FacetValues:
    """The `limit` most frequent values, ties in value order, as strings.

    A None value (an undated post's year) is not counted.
    """
    ranked = sorted(((key, n) for key, n in counts.items() if key is not None),
                    key=lambda kv: (-kv[1], str(kv[0])))
    return [(str(key), count) for key, count in ranked[:limit]]
