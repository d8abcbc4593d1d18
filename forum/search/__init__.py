"""Search behind an interface: index, delete, search, clear.

A backend returns ranked post ids and counts; the database decides visibility
and order of what is shown, so a stale index can never show a hidden post.
The app holds one backend (`get_index()`), created from configuration:
`FORUM_SEARCH_BACKEND` = "whoosh" (default, on disk under the data folder),
"whoosh-ram" (tests) or "null" (search off).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from flask import Flask, current_app

from forum.search import ast
from forum.search.documents import PostDocument


@dataclass
class SearchHits:
    """One page of ranked ids, the total, facet counts and spelling suggestions."""

    ids: list[int]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestions: dict[str, str] = field(default_factory=dict)


class SearchIndex(Protocol):
    """What every search backend offers the services."""

    def index(self, documents: Iterable[PostDocument]) -> int: ...

    def delete(self, post_ids: Iterable[int]) -> int: ...

    def search(self, query: ast.Node, *, sort: str = "relevance", offset: int = 0,
               limit: int = 20, facets: bool = True) -> SearchHits: ...

    def clear(self) -> None: ...

    def stamps(self) -> dict[int, str]: ...

    def optimize(self) -> None: ...

    def suggest(self, words: list[str]) -> dict[str, str]: ...

    def bulk(self): ...


class InlineBulk:
    """Bulk indexing done in the importing process (RAM and null backends)."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index

    def send(self, new: list[PostDocument], changed: list[PostDocument],
             gone: list[int]) -> None:
        self.index.delete(gone)
        self.index.index([*new, *changed])

    def close(self) -> None:
        return None


class NullIndex:
    """Search switched off: indexes nothing, finds nothing."""

    def index(self, documents: Iterable[PostDocument]) -> int:
        return sum(1 for _ in documents) * 0

    def delete(self, post_ids: Iterable[int]) -> int:
        return 0

    def search(self, query, *, sort="relevance", offset=0, limit=20, facets=True):
        return SearchHits(ids=[], total=0)

    def clear(self) -> None:
        return None

    def stamps(self) -> dict[int, str]:
        return {}

    def optimize(self) -> None:
        return None

    def suggest(self, words: list[str]) -> dict[str, str]:
        return {}

    def bulk(self) -> InlineBulk:
        return InlineBulk(self)


def init_search(app: Flask) -> None:
    """Create the app's backend from configuration and keep it on the app."""
    kind = app.config.get("FORUM_SEARCH_BACKEND", "whoosh")
    if kind == "null":
        backend: SearchIndex = NullIndex()
    else:
        from forum.search.whoosh_backend import WhooshIndex

        if kind == "whoosh-ram":
            backend = WhooshIndex.in_memory()
        else:
            backend = WhooshIndex.on_disk(app.config["FORUM_SEARCH_DIR"])
    app.extensions["forum_search"] = backend


def get_index() -> SearchIndex:
    """The current app's search backend."""
    return current_app.extensions["forum_search"]
