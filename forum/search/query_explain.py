"""A parsed query explained for the results page: in words, the words to
highlight, and whether it looks at what only moderators may see."""

from __future__ import annotations

from datetime import date, timedelta

from forum.search import ast
from forum.search.query_operators import FLAGGED

EXACT_DESCRIPTIONS = {"group": "in group {}", "thread": "in thread {}",
                      "label": "labelled '{}'", "has": "has {}",
                      "pmid": "cites PMID {}"}
FIELD_NAMES = {"subject": "subject", "author": "author", "body": "body",
               "quoted": "quoted text", "new": "new text"}


def describe(node: ast.Node) -> str:
    """A short description of the query in words, for the results page."""
    match node:
        case ast.Term() | ast.Phrase() | ast.Prefix():
            what = _describe_words(node)
            return f"{FIELD_NAMES[node.field]} contains {what}" if node.field else what
        case ast.Exact(field=field, value=value):
            if node == FLAGGED:
                return "flagged by a reader"
            return EXACT_DESCRIPTIONS.get(field, field + " is '{}'").format(value)
        case ast.DateRange(start=start, end=end):
            return _describe_dates(start, end)
        case ast.Not(child=child):
            plain = isinstance(child, ast.Term | ast.Phrase) and not child.field
            return f"not {describe(child) if plain else f'({describe(child)})'}"
        case ast.And(children=children):
            return " and ".join(map(_bracketed, children))
        case ast.Or(children=children):
            return " or ".join(map(_bracketed, children))
    raise TypeError(f"not a query node: {node!r}")


def _describe_words(node: ast.Term | ast.Phrase | ast.Prefix) -> str:
    if isinstance(node, ast.Phrase):
        return '"' + " ".join(node.words) + '"'
    if isinstance(node, ast.Prefix):
        return f"a word starting '{node.text}'"
    return f"'{node.text}'"


def _describe_dates(start: date | None, end: date | None) -> str:
    last = end - timedelta(days=1) if end else None
    if start and last:
        return f"dated {start}" if start == last else f"dated {start} to {last}"
    if start:
        return f"dated {start} or later"
    return f"dated {last} or earlier" if last else "any date"


def _bracketed(node: ast.Node) -> str:
    text = describe(node)
    return f"({text})" if isinstance(node, ast.And | ast.Or) else text


def positive_terms(node: ast.Node) -> list[str]:
    """Words a highlighter should mark: not excluded ones, nor author names.

    A prefix appears with its `*` (`magnes*`) so a highlighter can mark the
    words that start with it; duplicates are left out.
    """
    found: dict[str, None] = {}
    _collect(node, found)
    return list(found)


def _collect(node: ast.Node, found: dict[str, None]) -> None:
    match node:
        case ast.Term(text=text, field=field) if field != "author":
            found[text] = None
        case ast.Phrase(words=words, field=field) if field != "author":
            found.update(dict.fromkeys(words))
        case ast.Prefix(text=text, field=field) if field != "author":
            found[text + "*"] = None
        case ast.And(children=children) | ast.Or(children=children):
            for child in children:
                _collect(child, found)


def asks_for_flags(node: ast.Node) -> bool:
    """Whether the query looks at readers' flags, which only moderators may."""
    match node:
        case ast.Exact():
            return node == FLAGGED
        case ast.Not(child=child):
            return asks_for_flags(child)
        case ast.And(children=children) | ast.Or(children=children):
            return any(map(asks_for_flags, children))
    return False
