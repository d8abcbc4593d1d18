"""Search behind one contract, with the engines as sibling backends.

A backend answers a query (a `forum.search.ast` tree) with ranked post ids,
the exact number of matches and facet counts; the database then decides which
of those posts a reader may see and loads them in rank order, so a stale index
can never show a hidden post.  Each engine is imported by its own module under
`forum.search.backends` and nowhere else.

Which backend an app uses is `FORUM_SEARCH_BACKEND`:

- ``auto`` (default): ``postgres`` when the database is PostgreSQL (the index
  lives in the database, so every web machine shares it and it changes in the
  transaction that changes the post), else ``tantivy`` on disk in
  `FORUM_SEARCH_DIR` (``whoosh`` while only an older Whoosh index is there,
  until `flask --app forum search rebuild`);
- ``tantivy``, ``whoosh``, ``postgres``: that engine;
- ``tantivy-ram``, ``whoosh-ram``: in memory, for unit tests;
- ``null``: search switched off.

Snippets are not the index's business: `forum.text.snippets` cuts and highlights
them from the database row, the same way for every backend, so a snippet can
never show text a moderator has just redacted but the index still holds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app

from forum.search.interface import (
    FACET_LIMIT,
    FACETS,
    SORTS,
    IndexWriter,
    PendingFacets,
    RumExtensionMissing,
    RumNeedsPostgres,
    SearchHits,
    SearchIndex,
    each_chunk,
    top_facet_values,
)

__all__ = ["FACETS", "FACET_LIMIT", "SORTS", "IndexWriter", "PendingFacets",
           "RumExtensionMissing", "RumNeedsPostgres", "SearchHits", "SearchIndex",
           "each_chunk", "get_index", "index_notice", "init_search", "move_to_rum",
           "rebuilding", "top_facet_values"]

logger = logging.getLogger(__name__)


def init_search(app: Flask) -> None:
    """Open the configured backend and keep it on the app."""
    from forum.search.backends import open_backend

    backend, notice = open_backend(app)
    app.extensions["forum_search"] = backend
    app.extensions["forum_search_notice"] = notice
    if notice:
        logger.warning("search: %s", notice)


def get_index() -> SearchIndex:
    """The current app's search backend.

    While an archive is still on an earlier version's Whoosh index, each call
    looks whether a rebuild (in any process) has made the tantivy index, and
    switches to it.
    """
    app = current_app
    if app.extensions.get("forum_search_notice"):
        from forum.search.backends import switch_after_upgrade

        switch_after_upgrade(app)
    index: SearchIndex = app.extensions["forum_search"]
    return index


def index_notice() -> str | None:
    """What an operator must do about the index (e.g. rebuild it), if anything."""
    get_index()
    return current_app.extensions.get("forum_search_notice")


@contextmanager
def rebuilding() -> Iterator[SearchIndex]:
    """The index a rebuild fills: the current one, or a new tantivy index.

    A new one replaces an earlier version's Whoosh index when the rebuild
    succeeds (`forum.search.backends.upgrade_to_default`).
    """
    # Flask types current_app as the app; it is a proxy, unwrapped here.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.extensions.get("forum_search_notice"):
        yield get_index()
        return
    from forum.search.backends import upgrade_to_default

    with upgrade_to_default(app) as fresh:
        yield fresh


def move_to_rum(index: SearchIndex) -> None:
    """Move a PostgreSQL index to RUM (faster ranking, slower writes); other
    backends have no such index and refuse with RumNeedsPostgres."""
    from forum.search.backends.postgres import PostgresIndex

    if not isinstance(index, PostgresIndex):
        raise RumNeedsPostgres("--rum is for the postgres backend only")
    index.optimize(rum=True)
