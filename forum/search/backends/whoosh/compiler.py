"""The engine-independent query tree as Whoosh query objects, and sort orders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from whoosh import query as wq
from whoosh import sorting
from whoosh.fields import DATETIME

from forum.search import ast
from forum.search.backends.common import FIELD_MAP
from forum.search.backends.whoosh.schema import Searcher


def compile_query(node: ast.Node, searcher: Searcher) -> Any:
    """Turn the engine-independent tree into Whoosh query objects."""
    match node:
        case ast.Term(text=text, field=field):
            return _any_field(field, lambda f: wq.Term(f, text))
        case ast.Phrase(words=words, field=field):
            if len(words) == 1:
                return _any_field(field, lambda f: wq.Term(f, words[0]))
            return _any_field(field, lambda f: wq.Phrase(f, list(words)))
        case ast.Prefix(text=text, field=field, limit=limit):
            return _any_field(field, lambda f: _capped_prefix(searcher, f, text, limit))
        case ast.Exact(field=field, value=value):
            return wq.Term(field, value.lower() if field != "thread" else value)
        case ast.DateRange(start=start, end=end):
            return wq.DateRange("date", _at_midnight(start), _at_midnight(end),
                                endexcl=True)
        case ast.Not(child=child):
            return wq.Not(compile_query(child, searcher))
        case ast.And(children=children):
            return wq.And([compile_query(c, searcher) for c in children])
        case ast.Or(children=children):
            return wq.Or([compile_query(c, searcher) for c in children])
    raise TypeError(f"not a query node: {node!r}")


def _any_field(field: str | None, make: Callable[[str], Any]) -> Any:
    fields = FIELD_MAP[field]
    if len(fields) == 1:
        return make(fields[0])
    return wq.Or([make(f) for f in fields])


def _capped_prefix(searcher: Searcher, field: str, text: str, limit: int) -> Any:
    """`word*` as an OR of at most `limit` indexed words, most frequent first."""
    words = prefix_words(searcher, field, text, limit)
    if not words:
        return wq.NullQuery
    return wq.Or([wq.Term(field, w) for w in words])


def prefix_words(searcher: Searcher, field: str, text: str, limit: int) -> list[str]:
    """Indexed words starting with `text`: all, or the `limit` most frequent."""
    words: list[str] = list(searcher.reader().expand_prefix(field, text))
    if len(words) > limit:
        words.sort(key=lambda w: -searcher.doc_frequency(field, w))
        words = words[:limit]
    return words


def _at_midnight(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min) if day is not None else None


def sort_facet(sort: str) -> Any:
    """Newest or oldest first, undated posts last either way (None: by score).

    Whoosh gives an undated post the column's filler (the largest number), so
    a plain reversed date sort would put undated posts first.
    """
    if sort not in ("date", "oldest"):
        return None
    newest = sort == "date"
    undated = DATETIME(sortable=True).default

    def key(value: int | None) -> tuple[int, int]:
        if value is None or value >= undated:
            return (1, 0)
        return (0, -value if newest else value)

    return sorting.TranslateFacet(key, sorting.FieldFacet("date"))
