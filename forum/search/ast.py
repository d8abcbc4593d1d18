"""The search query as a small tree, independent of any search engine.

`forum.search.query.parse_query()` builds it from what a reader typed; each
backend compiles it to its own query objects.  Field names are the archive's
own (see FIELDS), never an engine's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Text fields a word, phrase or prefix can be limited to.
TEXT_FIELDS = ("subject", "author", "body", "quoted", "new")
# `body` means new and quoted text together; `new` and `quoted` one of them.
EXACT_FIELDS = ("group", "thread", "label", "has", "pmid")


@dataclass(frozen=True, slots=True)
class Term:
    """One word; `field` None means every text field."""

    text: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Phrase:
    words: tuple[str, ...]
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Prefix:
    """`word*`: expands to at most `limit` indexed words."""

    text: str
    field: str | None = None
    limit: int = 64


@dataclass(frozen=True, slots=True)
class Exact:
    """A value that must match as a whole: group name, thread id, label, pmid."""

    field: str
    value: str


@dataclass(frozen=True, slots=True)
class DateRange:
    """Posts dated from `start` (inclusive) to `end` (exclusive); either open."""

    start: date | None = None
    end: date | None = None


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Phrase | Prefix | Exact | DateRange | Not | And | Or
