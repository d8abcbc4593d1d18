"""Search switched off: indexes nothing, finds nothing, never fails."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from forum.extensions import DbSession
from forum.search import ast
from forum.search.documents import PostDocument
from forum.search.interface import SearchHits


class NullWriter:
    def add(self, documents: Sequence[PostDocument], *, new: bool = False) -> None:
        return None

    def delete(self, post_ids: Iterable[int]) -> None:
        return None

    def clear(self) -> None:
        return None

    def commit(self) -> None:
        return None


class NullIndex:
    name = "null"
    in_database = False

    @contextmanager
    def writer(self, *, wait: bool = True, bulk: bool = False,
               session: DbSession | None = None) -> Iterator[NullWriter]:
        yield NullWriter()

    def index(self, documents: Iterable[PostDocument], *,
              session: DbSession | None = None) -> int:
        return 0

    def delete(self, post_ids: Iterable[int], *,
               session: DbSession | None = None) -> int:
        return 0

    def search(self, query: ast.Node, *, sort: str = "relevance", offset: int = 0,
               limit: int = 20, facets: bool = True) -> SearchHits:
        return SearchHits(ids=[], total=0)

    def suggest(self, words: list[str]) -> dict[str, str]:
        return {}

    def stamps(self) -> dict[int, str]:
        return {}

    def count(self) -> int:
        return 0

    def clear(self) -> None:
        return None

    def optimize(self) -> None:
        return None

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "location": "nowhere (search is off)",
                "bytes": 0}
