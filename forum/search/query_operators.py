"""The query language's vocabulary: operators, their examples and value rules.

templates/search/help.html documents the language for readers; a message
that says what to change quotes EXAMPLES.
"""

from __future__ import annotations

from forum.errors import ForumError
from forum.search import ast

TEXT_OPERATORS = {
    "s": "subject", "subject": "subject", "f": "author", "from": "author",
    "author": "author", "b": "body", "body": "body", "q": "quoted", "nq": "new",
}
EXACT_OPERATORS = {"group", "thread", "label", "has", "pmid", "is"}
FLAGGED = ast.Exact("has", "flagged")  # only moderators may search for it
DATE_OPERATORS = {"d", "date", "before", "after"}
KEYWORDS = {"OR", "AND", "NOT"}
EXAMPLES = {
    "subject": "s:magnesium", "author": "f:london", "body": 'b:"muscle spasms"',
    "quoted": "q:magnesium", "new": "nq:magnesium", "group": "group:misc.health",
    "thread": "thread:123", "label": "label:unsupported", "has": "has:citation",
    "pmid": "pmid:12345", "is": "is:flagged", "d": "d:2000-10..2000-12",
    "date": "date:2000-10",
    "before": "before:2001", "after": "after:1999-06",
}
EXACT_VALUES = {
    "group": (r"[\w.+/-]+", "letters, digits and . - + / only"),
    "thread": (r"[0-9]+", "a thread number, digits only"),
    "pmid": (r"[0-9]+", "a PubMed id, digits only"),
    "label": (r"[\w-]+", "one word"),
    "has": (r"[\w-]+", "one word"),
    "is": (r"flagged", "flagged only"),
}


class BadQuery(ForumError):
    """The search text can't be understood; the message says how to fix it."""


def shown(text: str) -> str:
    """The start of `text`, short enough to quote in a message."""
    text = " ".join(text.split())
    return text if len(text) <= 30 else text[:30] + "…"
