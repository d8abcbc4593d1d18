"""Facet counts from fast fields, in threads beside the top-k search.

tantivy lets go of the GIL while it aggregates, so the counts run on another
core while the page's posts load (forum.search.interface.PendingFacets).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import tantivy

from forum.search.interface import FACET_LIMIT, Facets, top_facet_values

FACET_FIELDS = {"group": "group", "year": "year", "author": "author_key"}
# Terms aggregation per segment keeps this many values before merging, so
# facet counts stay exact for up to this many distinct authors a segment.
FACET_SEGMENT_SIZE = 20_000
FACET_THREADS = 2
_facet_pool: tuple[int, ThreadPoolExecutor] | None = None


def facet_pool() -> ThreadPoolExecutor:
    """This process's facet-counting threads (a forked worker makes its own)."""
    global _facet_pool
    if _facet_pool is None or _facet_pool[0] != os.getpid():
        _facet_pool = (os.getpid(), ThreadPoolExecutor(
            max_workers=FACET_THREADS, thread_name_prefix="facet-counts"))
    return _facet_pool[1]


def count_facets(searcher: tantivy.Searcher, compiled: tantivy.Query) -> Facets:
    """Top values of each facet, exact, from fast fields (no stored documents)."""
    request = {
        name: {"terms": {"field": field, "size": FACET_LIMIT * 4,
                         "segment_size": FACET_SEGMENT_SIZE}}
        for name, field in FACET_FIELDS.items()
    }
    found = searcher.aggregate(compiled, request)
    facets: Facets = {}
    for name in FACET_FIELDS:
        buckets = found.get(name, {}).get("buckets", [])
        counts = {_facet_key(name, b["key"]): int(b["doc_count"]) for b in buckets}
        facets[name] = top_facet_values(counts)
    # Every post has an author value, so no author bucket means no match.
    return facets if facets["author"] else {}


def _facet_key(name: str, key: str | float) -> str:
    """A bucket's key as the value shown: years come back as floats."""
    if name == "year":
        return str(int(key))
    return str(key)
