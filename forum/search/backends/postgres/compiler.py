"""The engine-independent query tree as SQL: one tsquery where it can be.

Words, phrases, prefixes and exact filters are all lexemes (see
`lexemes`), so a query of them is one tsquery, which the GIN index answers in
one scan; only a date range is a column comparison beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, cast, or_, true
from sqlalchemy.dialects.postgresql import TSQUERY

from forum.search import ast
from forum.search.backends.postgres.lexemes import (
    FIELD_NAMESPACES,
    KEYWORD_PREFIX,
    quote,
)
from forum.search.backends.postgres.schema import documents


@dataclass
class Compiled:
    """A WHERE clause, the tsquery to rank by (None: nothing to rank), params."""

    where: ColumnElement[bool]
    rank: ColumnElement[Any] | None
    params: dict[str, str]


class _Ts:
    """A part of the query that is all tsquery (text and keyword lexemes)."""

    def __init__(self, source: str) -> None:
        self.source = source


_Part = _Ts | ColumnElement[bool]


def compile_query(node: ast.Node) -> Compiled:
    """The engine-independent tree as SQL: one tsquery where it can be."""
    params: dict[str, str] = {}
    compiled = _compile(node, params)
    if isinstance(compiled, _Ts):
        tsquery = _tsquery(compiled.source, params)
        return Compiled(matching(tsquery), tsquery, params)
    rank = None
    if isinstance(node, ast.And):  # rank by the parts that are all tsquery
        parts = (_compile(c, {}) for c in node.children)
        text_parts = [part for part in parts if isinstance(part, _Ts)]
        rank = _tsquery(_joined(" & ", text_parts), params) if text_parts else None
    return Compiled(compiled, rank, params)


def matching(tsquery: ColumnElement[Any]) -> ColumnElement[bool]:
    """Documents whose tsvector matches `tsquery`."""
    return documents.c.tsv.op("@@")(tsquery)


def _compile(node: ast.Node, params: dict[str, str]) -> _Part:
    match node:
        case ast.Term(text=word, field=field):
            return _Ts(_any_of(quote(p + word) for p in FIELD_NAMESPACES[field]))
        case ast.Phrase(words=words, field=field):
            return _Ts(_any_of(" <-> ".join(quote(p + w) for w in words)
                               for p in FIELD_NAMESPACES[field]))
        case ast.Prefix(text=word, field=field):
            return _Ts(_any_of(quote(p + word) + ":*"
                               for p in FIELD_NAMESPACES[field]))
        case ast.Exact(field=field, value=value):
            value = value if field == "pmid" else value.lower()
            return _Ts(quote(f"{KEYWORD_PREFIX[field]}:{value}"))
        case ast.DateRange(start=start, end=end):
            return _date_range(start, end)
        case ast.Not(child=child):
            inner = _compile(child, params)
            if isinstance(inner, _Ts):
                return _Ts(f"!({inner.source})")
            return ~inner
        case ast.And(children=children) | ast.Or(children=children):
            return _combine(node, [_compile(c, params) for c in children], params)
    raise TypeError(f"not a query node: {node!r}")


def _combine(node: ast.And | ast.Or, parts: list[_Part],
             params: dict[str, str]) -> _Part:
    text_parts = [p for p in parts if isinstance(p, _Ts)]
    if len(text_parts) == len(parts):
        return _Ts(_joined(" & " if isinstance(node, ast.And) else " | ", text_parts))
    if isinstance(node, ast.And):
        others = [p for p in parts if not isinstance(p, _Ts)]
        if text_parts:
            others.insert(0, _as_sql(_Ts(_joined(" & ", text_parts)), params))
        return and_(*others)
    return or_(*(_as_sql(p, params) for p in parts))


def _joined(joiner: str, parts: list[_Ts]) -> str:
    return joiner.join(f"({p.source})" for p in parts)


def _as_sql(part: _Part, params: dict[str, str]) -> ColumnElement[bool]:
    if isinstance(part, _Ts):
        return matching(_tsquery(part.source, params))
    return part


def _tsquery(source: str, params: dict[str, str]) -> ColumnElement[Any]:
    name = f"q{len(params)}"
    params[name] = source
    return cast(bindparam(name), TSQUERY)


def _date_range(start: date | None, end: date | None) -> ColumnElement[bool]:
    clauses = []
    if start is not None:
        clauses.append(documents.c.date >= start)
    if end is not None:
        clauses.append(documents.c.date < end)
    return and_(*clauses) if clauses else true()


def _any_of(sources: Iterable[str]) -> str:
    found = list(sources)
    return found[0] if len(found) == 1 else " | ".join(f"({s})" for s in found)

