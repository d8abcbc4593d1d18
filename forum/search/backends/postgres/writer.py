"""Writing documents: statements run at once in the connection's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection, Engine

from forum.search.backends.postgres import vocabulary
from forum.search.backends.postgres.lexemes import document_row
from forum.search.backends.postgres.schema import documents
from forum.search.documents import PostDocument

WRITE_CHUNK = 1000
_COLUMNS = ("tsv", "date", "year", "groups", "author_key", "stamp")


class PostgresWriter:
    """Statements run at once in the connection's transaction.

    The word list for "did you mean" is written apart, in a connection of
    its own (see `vocabulary`), so two writers never wait on each other's
    new words.
    """

    def __init__(self, connection: Connection, own: bool, engine: Engine) -> None:
        self.connection, self.own, self.engine = connection, own, engine

    def add(self, docs: Sequence[PostDocument], *, new: bool = False) -> None:
        for start in range(0, len(docs), WRITE_CHUNK):
            rows: list[dict[str, Any]] = []
            words: set[str] = set()
            for doc in docs[start:start + WRITE_CHUNK]:
                row, new_words = document_row(doc)
                rows.append(row)
                words.update(new_words)
            stmt = insert(documents)
            self.connection.execute(stmt.on_conflict_do_update(
                index_elements=["post_id"],
                set_={c: stmt.excluded[c] for c in _COLUMNS}), rows)
            vocabulary.remember(self.engine, words)

    def delete(self, post_ids: Iterable[int]) -> None:
        post_ids = list(post_ids)
        if post_ids:
            self.connection.execute(delete(documents).where(
                documents.c.post_id.in_(bindparam("ids", expanding=True))),
                {"ids": post_ids})

    def clear(self) -> None:
        self.connection.execute(delete(documents))

    def commit(self) -> None:
        if self.own:
            self.connection.commit()
