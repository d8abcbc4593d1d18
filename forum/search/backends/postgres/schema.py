"""The backend's tables (made by migration 0009, PostgreSQL only) and its index.

The tsvector index is GIN (migration 0011); `search optimize --rum` moves a
read-mostly archive to RUM, and the backend asks which kind it has.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.engine import Connection

metadata = MetaData()
documents = Table(
    "search_documents", metadata,
    Column("post_id", Integer, primary_key=True),
    Column("tsv", TSVECTOR, nullable=False),
    Column("date", DateTime),
    Column("year", Integer),
    Column("groups", ARRAY(Text), nullable=False),
    Column("author_key", Text, nullable=False),
    Column("stamp", String(16), nullable=False),
)
words_table = Table(
    "search_words", metadata,
    Column("word", Text, primary_key=True),
)

RUM_INDEX = ("CREATE INDEX ix_search_documents_tsv ON search_documents "
             "USING rum (tsv rum_tsvector_ops)")


def index_kind(connection: Connection) -> str:
    """"rum" or "gin": the kind of the tsvector index the migration made."""
    method = connection.scalar(text(
        "SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam "
        "WHERE c.relname = 'ix_search_documents_tsv'"))
    return "rum" if method == "rum" else "gin"


def rum_available(connection: Connection) -> bool:
    """Whether the rum extension is installed on the server (or can be created)."""
    return bool(connection.scalar(text(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")))


def move_to_rum(connection: Connection) -> None:
    """Build the RUM index beside the GIN one, then put it in its place.

    `connection` is in autocommit; the rum extension must be available.
    """
    connection.execute(text("CREATE EXTENSION IF NOT EXISTS rum"))
    connection.execute(text(RUM_INDEX.replace("ix_search_documents_tsv",
                                              "ix_search_documents_rum")))
    connection.execute(text("DROP INDEX ix_search_documents_tsv"))
    connection.execute(text("ALTER INDEX ix_search_documents_rum "
                            "RENAME TO ix_search_documents_tsv"))
