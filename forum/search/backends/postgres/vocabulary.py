"""The word list for "did you mean" (`search_words`): written apart, read for
suggestions.

Words are written each statement on its own (autocommit), sorted: two
writers adding words in the middle of long transactions could otherwise each
wait for a word the other had added (found in review: the indexer's second
chunk against a moderator's change).  A word that outlives a rolled-back
change is harmless: suggestions are checked against what readers can find.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, cast, func, literal, select, text
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.engine import Connection, Engine

from forum.search.backends.postgres.compiler import matching
from forum.search.backends.postgres.lexemes import quote
from forum.search.backends.postgres.schema import documents, words_table
from forum.search.spelling import closest_word


def remember(engine: Engine, vocabulary: set[str]) -> None:
    """Add these words to the list, outside the caller's transaction."""
    if not vocabulary:
        return
    with engine.connect().execution_options(
            isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(
            "INSERT INTO search_words (word) SELECT unnest(CAST(:words AS text[])) "
            "ON CONFLICT DO NOTHING"), {"words": sorted(vocabulary)})


def suggestions(connection: Connection, words: list[str]) -> dict[str, str]:
    """A known word one edit away (or two, sharing the first two letters)."""
    found: dict[str, str] = {}
    for word in words:
        if word.endswith("*") or _known(connection, [word]):
            continue
        best = closest_word(
            word, lambda candidates: _known(connection, candidates),
            lambda prefix: _words_with_prefix(connection, prefix),
            lambda w: _frequency(connection, w))
        if best:
            found[word] = best
    return found


def _known(connection: Connection, candidates: Iterable[str]) -> list[str]:
    candidates = list(candidates)
    if not candidates:
        return []
    return list(connection.scalars(select(words_table.c.word).where(
        words_table.c.word.in_(bindparam("w", expanding=True))), {"w": candidates}))


def _words_with_prefix(connection: Connection, prefix: str) -> list[str]:
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return list(connection.scalars(
        select(words_table.c.word).where(words_table.c.word.like(pattern + "%"))
        .limit(5000)))


def _frequency(connection: Connection, word: str) -> int:
    query = cast(literal(quote(word)), TSQUERY)  # in new text
    found = select(documents.c.post_id).where(matching(query)).limit(1000)
    return int(connection.execute(
        select(func.count()).select_from(found.subquery())).scalar_one())
