"""The engine-independent query tree as tantivy query objects."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import tantivy

from forum.search import ast
from forum.search.backends.common import FIELD_MAP
from forum.search.backends.tantivy.schema import seconds


class QueryCompiler:
    """The engine-independent tree as tantivy query objects."""

    def __init__(self, schema: tantivy.Schema, searcher: tantivy.Searcher) -> None:
        self.schema, self.searcher = schema, searcher

    def compile(self, node: ast.Node) -> tantivy.Query:
        Q = tantivy.Query
        match node:
            case ast.Term(text=text, field=field):
                return self._any_field(field, lambda f: Q.term_query(
                    self.schema, f, text))
            case ast.Phrase(words=words, field=field):
                return self._any_field(field, lambda f: self._phrase(f, words))
            case ast.Prefix(text=text, field=field, limit=limit):
                return self._any_field(field, lambda f: self._prefix(f, text, limit))
            case ast.Exact(field=field, value=value):
                if field == "thread":
                    return Q.term_query(self.schema, "thread", int(value))
                return Q.term_query(self.schema, field,
                                    value if field == "pmid" else value.lower())
            case ast.DateRange(start=start, end=end):
                bounds = {"include_upper": False} if end else {}
                return Q.range_query(
                    self.schema, "date", tantivy.FieldType.Integer,
                    seconds(start) if start else None,
                    seconds(end) if end else None, **bounds)
            case ast.Not(child=child):
                return Q.boolean_query([(tantivy.Occur.Must, Q.all_query()),
                                        (tantivy.Occur.MustNot, self.compile(child))])
            case ast.And(children=children):
                return self._conjunction(children)
            case ast.Or(children=children):
                return Q.boolean_query([(tantivy.Occur.Should, self.compile(c))
                                        for c in children])
        raise TypeError(f"not a query node: {node!r}")

    def _conjunction(self, children: Sequence[ast.Node]) -> tantivy.Query:
        clauses = [(tantivy.Occur.MustNot, self.compile(c.child))
                   if isinstance(c, ast.Not) else (tantivy.Occur.Must, self.compile(c))
                   for c in children]
        if all(occur == tantivy.Occur.MustNot for occur, _ in clauses):
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)

    def _any_field(self, field: str | None,
                   make: Callable[[str], tantivy.Query]) -> tantivy.Query:
        fields = FIELD_MAP[field]
        if len(fields) == 1:
            return make(fields[0])
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, make(f))
                                            for f in fields])

    def _phrase(self, field: str, words: Sequence[str]) -> tantivy.Query:
        if len(words) == 1:
            return tantivy.Query.term_query(self.schema, field, words[0])
        return tantivy.Query.phrase_query(self.schema, field, list(words))

    def _prefix(self, field: str, text: str, limit: int) -> tantivy.Query:
        """`word*` as an OR of at most `limit` indexed words, most frequent first."""
        words = prefix_words(self.searcher, field, text, limit)
        if not words:
            return tantivy.Query.empty_query()
        return tantivy.Query.boolean_query([
            (tantivy.Occur.Should, tantivy.Query.term_query(self.schema, field, w))
            for w in words])


def prefix_words(searcher: tantivy.Searcher, field: str, text: str,
                 limit: int) -> list[str]:
    """Indexed words starting with `text`, the `limit` most frequent."""
    found = searcher.terms_with_prefix(field, text)
    found.sort(key=lambda pair: (-pair[1], pair[0]))
    return [word for word, _count in found[:limit]]
