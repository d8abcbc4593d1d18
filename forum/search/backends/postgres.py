"""Search inside PostgreSQL: the default when the archive's database is PostgreSQL.

The index is a table of the database (`search_documents`), so any number of
web machines share it and a moderator's change rewrites the post's entry in
the same transaction as the change (imports go through the outbox and an
indexer process beside them, forum.search.bulk).  Each post is one `tsvector`
whose lexemes are the words the query parser makes (built here in Python, not
by PostgreSQL's text parser, which keeps `www.ncbi.nlm.nih.gov` as one word).
Each field's words are lexemes of their own (`s:word` subject, `f:word`
author, `q:word` quoted text, the bare word for new text; migration 0012),
weighted A, D, C and B for ranking, with a one-position gap between fields so
a phrase never spans two.  Exact filters are lexemes too (`g:sci.med`, `t:42`,
`l:unsupported`, `h:citation`, `p:12345`), so one index scan answers the
whole query but for date ranges.

The tsvector index is GIN (migration 0011): with its pending list an insert
costs ~0.17 ms, where RUM's costs 3.5 ms and held an import to ~280 posts a
second.  GIN cannot hand back matches in rank order, and scoring all 43,000
matches of a common word takes a third of a second at 100,000 posts, so a
page in relevance order ranks the newest RANK_WINDOW matches (all of them
when there are fewer, which is most queries); totals and facets still count
every match.  `search optimize --rum` moves a read-mostly archive to RUM
(Debian's postgresql-15-rum), which keeps positions and ranks inside the
index; the backend sees which kind it has and ranks accordingly.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    cast,
    delete,
    func,
    literal,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY, TSVECTOR, insert
from sqlalchemy.engine import Connection, Engine

from forum.search import ast
from forum.search.documents import PostDocument
from forum.search.interface import FACET_LIMIT, FACETS, SearchHits, top_facet_values
from forum.search.spelling import closest_word
from forum.search.words import WORD

logger = logging.getLogger(__name__)

# The backend's own tables, made by migration 0009 on PostgreSQL only.
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

# Each field's words are lexemes of their own ("s:word" for the subject), so a
# field query is one exact lexeme lookup: with weights alone GIN had to fetch
# and recheck every document holding the word (`s:magnesium`: 0.5 s at 100k).
# The weights remain, for ranking.  New text keeps the bare word.
NAMESPACES = {"subject": ("s:", "A"), "author": ("f:", "D"), "new": ("", "B"),
              "quoted": ("q:", "C")}
FIELD_NAMESPACES = {None: ("", "s:", "f:", "q:"), "subject": ("s:",),
                    "author": ("f:",), "body": ("", "q:"), "new": ("",),
                    "quoted": ("q:",)}
KEYWORD_PREFIX = {"group": "g", "thread": "t", "label": "l", "has": "h",
                  "pmid": "p"}
MAX_POSITION = 16383  # PostgreSQL's limit; later words share this position
MAX_POSITIONS = 255  # a lexeme keeps at most this many positions
MAX_WORD = 255
MAX_LEXEME_BYTES = 900_000  # a tsvector holds at most 1 MB of lexemes
WRITE_CHUNK = 1000
RANK_WINDOW = 2000  # on GIN, relevance ranks at most this many newest matches


class PostgresIndex:
    """Search documents in a table of the archive's PostgreSQL database."""

    name = "postgres"
    in_database = True

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._ranking: str | None = None

    # -- writing -----------------------------------------------------------------

    @contextmanager
    def writer(self, *, wait: bool = True, bulk: bool = False,
               session=None) -> Iterator[PostgresWriter]:
        """Writes through the caller's session, or a connection of our own.

        Never exclusive: PostgreSQL orders concurrent writes row by row.
        """
        if session is not None:
            yield PostgresWriter(session.connection(), own=False, engine=self.engine)
            return
        with self.engine.connect() as connection:
            yield PostgresWriter(connection, own=True, engine=self.engine)

    def index(self, documents: Iterable[PostDocument], *, session=None) -> int:
        documents = list(documents)
        with self.writer(session=session) as writer:
            writer.add(documents)
            writer.commit()
        return len(documents)

    def delete(self, post_ids: Iterable[int], *, session=None) -> int:
        post_ids = list(post_ids)
        with self.writer(session=session) as writer:
            writer.delete(post_ids)
            writer.commit()
        return len(post_ids)

    def clear(self) -> None:
        with self.writer() as writer:
            writer.clear()
            writer.commit()

    def optimize(self, *, rum: bool = False) -> None:
        """Refresh planner statistics; with `rum`, move the index to RUM first."""
        with self.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT") as connection:
            if rum and self._ranking_kind(connection) == "gin":
                if not rum_available(connection):
                    raise RuntimeError("the rum extension is not installed on the "
                                       "server (Debian: postgresql-15-rum)")
                connection.execute(text("CREATE EXTENSION IF NOT EXISTS rum"))
                connection.execute(text(RUM_INDEX.replace("ix_search_documents_tsv",
                                                          "ix_search_documents_rum")))
                connection.execute(text("DROP INDEX ix_search_documents_tsv"))
                connection.execute(text("ALTER INDEX ix_search_documents_rum "
                                        "RENAME TO ix_search_documents_tsv"))
                self._ranking = None
            connection.execute(text("VACUUM ANALYZE search_documents"))

    def count(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(
                select(func.count()).select_from(documents)).scalar_one()

    def describe(self) -> dict:
        with self.engine.connect() as connection:
            size = connection.scalar(text(
                "SELECT pg_total_relation_size('search_documents')"))
            kind = self._ranking_kind(connection)
        return {"backend": self.name, "bytes": int(size or 0),
                "location": f"PostgreSQL table search_documents ({kind} index)"}

    # -- reading -----------------------------------------------------------------

    def search(self, query: ast.Node, *, sort: str = "relevance", offset: int = 0,
               limit: int = 20, facets: bool = True) -> SearchHits:
        compiled = compile_query(query)
        with self.engine.connect() as connection:
            # Once analysed, the planner prefers reading the whole table to the
            # GIN index for a common word (0.4-0.6 s at 100,000 posts).
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            if self._ranking_kind(connection) == "gin":
                return self._page_with_counts(connection, compiled, sort, offset,
                                              limit, facets)
            ids = self._page_in_rank_order(connection, compiled, sort, offset, limit)
            if facets or offset or len(ids) == limit:
                total, counts = self._total_and_facets(connection, compiled, facets)
            else:
                total, counts = offset + len(ids), {}
        return SearchHits(ids=ids, total=total, facets=counts)

    @staticmethod
    def _page_in_rank_order(connection: Connection, compiled: Compiled, sort: str,
                            offset: int, limit: int) -> list[int]:
        """A page on a RUM index, which hands matches back in rank order."""
        stmt = select(documents.c.post_id).where(compiled.where)
        if sort == "oldest":
            stmt = stmt.order_by(documents.c.date.asc().nulls_last(),
                                 documents.c.post_id)
        elif sort == "date" or compiled.rank is None:
            stmt = stmt.order_by(documents.c.date.desc().nulls_last(),
                                 documents.c.post_id.desc())
        else:
            stmt = stmt.order_by(documents.c.tsv.op("<=>")(compiled.rank),
                                 documents.c.post_id)
        rows = connection.execute(stmt.offset(offset).limit(limit), compiled.params)
        return [row[0] for row in rows]

    @staticmethod
    def _page_with_counts(connection: Connection, compiled: Compiled, sort: str,
                          offset: int, limit: int, facets: bool) -> SearchHits:
        """The page, the total and the facets (if asked) from one pass over
        the matches.

        Finding the matches is most of a common query's cost (a phrase is
        re-checked against every candidate's positions): asked separately,
        the page and the counts found them twice.
        """
        matches = select(documents.c.post_id, documents.c.date, documents.c.groups,
                         documents.c.year, documents.c.author_key
                         ).where(compiled.where)
        statement = facet_query(
            matches, lambda m: page_of(m, compiled, sort, offset, limit), facets)
        rows = connection.execute(statement, compiled.params).all()
        hits = sorted((n, int(value)) for kind, value, n in rows if kind == "hit")
        total, counts = read_counts(rows)
        return SearchHits(ids=[post_id for _n, post_id in hits], total=total,
                          facets=counts if facets else {})

    @staticmethod
    def _total_and_facets(connection: Connection, compiled: Compiled,
                          facets: bool) -> tuple[int, dict]:
        """The number of matches and, in the same pass, the top facet values."""
        matches = select(documents.c.groups, documents.c.year,
                         documents.c.author_key).where(compiled.where)
        if not facets:
            count = select(func.count()).select_from(matches.subquery())
            return connection.execute(count, compiled.params).scalar_one(), {}
        return read_counts(connection.execute(facet_query(matches),
                                              compiled.params).all())

    def suggest(self, words: list[str]) -> dict[str, str]:
        """A known word one edit away (or two, sharing the first two letters)."""
        suggestions: dict[str, str] = {}
        with self.engine.connect() as connection:
            for word in words:
                if word.endswith("*") or _known(connection, [word]):
                    continue
                best = closest_word(
                    word, lambda found: _known(connection, found),
                    lambda prefix: _words_with_prefix(connection, prefix),
                    lambda w: _frequency(connection, w))
                if best:
                    suggestions[word] = best
        return suggestions

    def stamps(self) -> dict[int, str]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(documents.c.post_id, documents.c.stamp))
            return {post_id: stamp for post_id, stamp in rows}

    def _ranking_kind(self, connection: Connection) -> str:
        """"rum" or "gin": the kind of the tsvector index the migration made."""
        if self._ranking is None:
            method = connection.scalar(text(
                "SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam "
                "WHERE c.relname = 'ix_search_documents_tsv'"))
            self._ranking = "rum" if method == "rum" else "gin"
        return self._ranking


class PostgresWriter:
    """Statements run at once in the connection's transaction.

    The word list for "did you mean" is written apart, each statement on
    its own (autocommit), sorted: two writers adding words in the middle of
    long transactions could otherwise each wait for a word the other had
    added (found in review: the indexer's second chunk against a
    moderator's change).  A word that outlives a rolled-back change is
    harmless: suggestions are checked against what readers can find.
    """

    def __init__(self, connection: Connection, own: bool, engine: Engine) -> None:
        self.connection, self.own, self.engine = connection, own, engine

    def add(self, docs: Sequence[PostDocument], *, new: bool = False) -> None:
        for start in range(0, len(docs), WRITE_CHUNK):
            chunk = docs[start:start + WRITE_CHUNK]
            rows, vocabulary = [], set()
            for doc in chunk:
                row, words = document_row(doc)
                rows.append(row)
                vocabulary.update(words)
            stmt = insert(documents)
            self.connection.execute(stmt.on_conflict_do_update(
                index_elements=["post_id"],
                set_={c: stmt.excluded[c] for c in
                      ("tsv", "date", "year", "groups", "author_key", "stamp")}),
                rows)
            self._remember(vocabulary)

    def _remember(self, vocabulary: set[str]) -> None:
        if not vocabulary:
            return
        with self.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(
                "INSERT INTO search_words (word) SELECT unnest(CAST(:words AS text[])) "
                "ON CONFLICT DO NOTHING"), {"words": sorted(vocabulary)})

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


# -- documents as rows ---------------------------------------------------------------


def document_row(doc: PostDocument) -> tuple[dict, set[str]]:
    """The table row for a document, and the words of its new text."""
    vector, new_words = tsvector_text(doc)
    return {
        "post_id": doc.post_id, "tsv": vector, "date": doc.date, "year": doc.year,
        "groups": [g.lower() for g in doc.groups], "author_key": doc.author_key,
        "stamp": doc.stamp,
    }, new_words


def tsvector_text(doc: PostDocument) -> tuple[str, set[str]]:
    """A tsvector literal: every word with its positions and field weight.

    Built as text in one pass per field (an import writes one per post, so
    this was a third of the indexer's time when written word by word).
    """
    lexemes: list[str] = []
    position, size = 1, 0
    new_words: set[str] = set()
    for field, text_ in (("subject", doc.subject), ("author", doc.author),
                         ("new", doc.new_text), ("quoted", doc.quoted_text)):
        prefix, weight = NAMESPACES[field]
        words = WORD.findall(text_.casefold())
        places: dict[str, list[int]] = {}
        for offset, word in enumerate(words, position):
            found = places.get(word)
            if found is None:
                places[word] = [offset]
            else:
                found.append(offset)
        position += len(words) + 1  # a gap: no phrase spans two fields
        if field == "new":
            new_words.update(w for w in places if len(w) <= MAX_WORD)
        for word, found in places.items():
            if len(word) > MAX_WORD:
                continue
            size += len(word) + len(prefix) if word.isascii() \
                else len((prefix + word).encode())
            if size > MAX_LEXEME_BYTES:
                break
            if len(found) == 1 and found[0] <= MAX_POSITION:  # most words
                lexemes.append(f"'{prefix}{word}':{found[0]}{weight}")
            else:
                lexemes.append(f"'{prefix}{word}':{_positions(found, weight)}")
    lexemes.extend(_quote(lexeme) for lexeme in keyword_lexemes(doc))
    return " ".join(lexemes), new_words


def _positions(found: list[int], weight: str) -> str:
    """`3A,9A`: at most MAX_POSITIONS, none past MAX_POSITION."""
    found = found[:MAX_POSITIONS]
    if found[-1] > MAX_POSITION:
        found = [min(p, MAX_POSITION) for p in found]
    return (weight + ",").join(map(str, found)) + weight


def keyword_lexemes(doc: PostDocument) -> list[str]:
    found = [f"g:{g.lower()}" for g in doc.groups]
    found.append(f"t:{doc.thread_id}")
    found += [f"l:{v.lower()}" for v in doc.labels]
    found += [f"h:{v.lower()}" for v in doc.has]
    found += [f"p:{v}" for v in doc.pmids]
    return found


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


# -- compiling the query tree ------------------------------------------------------


@dataclass
class Compiled:
    """A WHERE clause, the tsquery to rank by (None: nothing to rank), params."""

    where: ColumnElement[bool]
    rank: ColumnElement[Any] | None
    params: dict


class _Ts:
    """A part of the query that is all tsquery (text and keyword lexemes)."""

    def __init__(self, source: str) -> None:
        self.source = source


def compile_query(node: ast.Node) -> Compiled:
    """The engine-independent tree as SQL: one tsquery where it can be."""
    params: dict = {}
    compiled = _compile(node, params)
    if isinstance(compiled, _Ts):
        rank = _tsquery(compiled.source, params)
        return Compiled(documents.c.tsv.op("@@")(rank), rank, params)
    rank = None
    if isinstance(node, ast.And):
        text_parts = [_compile(c, {}) for c in node.children if _is_text(c)]
        if text_parts:
            rank = _tsquery(" & ".join(f"({p.source})" for p in text_parts), params)
    return Compiled(compiled, rank, params)


def _compile(node: ast.Node, params: dict):
    match node:
        case ast.Term(text=word, field=field):
            return _Ts(_any_of(_quote(p + word) for p in FIELD_NAMESPACES[field]))
        case ast.Phrase(words=words, field=field):
            return _Ts(_any_of(" <-> ".join(_quote(p + w) for w in words)
                               for p in FIELD_NAMESPACES[field]))
        case ast.Prefix(text=word, field=field):
            return _Ts(_any_of(_quote(p + word) + ":*"
                               for p in FIELD_NAMESPACES[field]))
        case ast.Exact(field=field, value=value):
            value = value if field == "pmid" else value.lower()
            return _Ts(_quote(f"{KEYWORD_PREFIX[field]}:{value}"))
        case ast.DateRange(start=start, end=end):
            return _date_range(start, end)
        case ast.Not(child=child):
            inner = _compile(child, params)
            if isinstance(inner, _Ts):
                return _Ts(f"!({inner.source})")
            return ~_as_sql(inner, params)
        case ast.And(children=children) | ast.Or(children=children):
            return _combine(node, [_compile(c, params) for c in children], params)
    raise TypeError(f"not a query node: {node!r}")


def _combine(node, parts: list, params: dict):
    joiner = " & " if isinstance(node, ast.And) else " | "
    if all(isinstance(p, _Ts) for p in parts):
        return _Ts(joiner.join(f"({p.source})" for p in parts))
    from sqlalchemy import and_, or_

    if isinstance(node, ast.And):
        text_parts = [p for p in parts if isinstance(p, _Ts)]
        others = [p for p in parts if not isinstance(p, _Ts)]
        if text_parts:
            others.insert(0, _as_sql(_Ts(" & ".join(f"({p.source})"
                                                     for p in text_parts)), params))
        return and_(*others)
    return or_(*(_as_sql(p, params) for p in parts))


def _as_sql(part, params: dict):
    if isinstance(part, _Ts):
        return documents.c.tsv.op("@@")(_tsquery(part.source, params))
    return part


def _tsquery(source: str, params: dict):
    name = f"q{len(params)}"
    params[name] = source
    return cast(bindparam(name), TSQUERY)


def _date_range(start, end):
    from sqlalchemy import and_, true

    clauses = []
    if start is not None:
        clauses.append(documents.c.date >= start)
    if end is not None:
        clauses.append(documents.c.date < end)
    return and_(*clauses) if clauses else true()


def _any_of(sources) -> str:
    sources = list(sources)
    return sources[0] if len(sources) == 1 else " | ".join(f"({s})" for s in sources)


def _is_text(node: ast.Node) -> bool:
    """Whether a node is all tsquery (no date range anywhere in it)."""
    match node:
        case ast.DateRange():
            return False
        case ast.Not(child=child):
            return _is_text(child)
        case ast.And(children=children) | ast.Or(children=children):
            return all(map(_is_text, children))
    return True


# -- facets and spelling ---------------------------------------------------------------

def facet_query(matches, page=None, facets: bool = True):
    """One pass over the matches: the total and each facet's top values
    (and, given `page`, the rows it makes of the matches).

    Ties are broken in byte order of the value (COLLATE "C"), as every
    backend breaks them, so the same ten values make the cut everywhere.
    """
    m = matches.cte("m").prefix_with("MATERIALIZED")
    groups = select(func.unnest(m.c.groups).label("value")).subquery("g")
    years = select(cast(m.c.year, Text).label("value")).where(
        m.c.year.isnot(None)).subquery("y")
    authors = select(m.c.author_key.label("value")).subquery("a")
    n = func.count()
    parts = [select(literal("total").label("kind"), null().label("value"),
                    n.label("n")).select_from(m)]
    for kind, values in (("group", groups), ("year", years),
                         ("author", authors)) if facets else ():
        top = (select(literal(kind).label("kind"), values.c.value, n.label("n"))
               .group_by(values.c.value)
               .order_by(n.desc(), values.c.value.collate("C")).limit(FACET_LIMIT)
               .subquery())
        parts.append(select(top))
    if page is not None:
        parts.append(page(m))
    return union_all(*parts)


def read_counts(rows) -> tuple[int, dict]:
    """The total and each facet's top values from facet_query's rows."""
    total = next((n for kind, _value, n in rows if kind == "total"), 0)
    return total, {name: top_facet_values({value: n for kind, value, n in rows
                                           if kind == name})
                   for name in FACETS}


def page_of(m, compiled: Compiled, sort: str, offset: int, limit: int):
    """Rows ("hit", post id, place) of one page of the matches `m`.

    GIN cannot hand matches back in rank order and scoring all of a common
    word's matches costs a third of a second at 100,000 posts, so relevance
    ranks the newest RANK_WINDOW matches (all of them, for most queries).
    """
    order: tuple[ColumnElement[Any], ...]
    if sort == "relevance" and compiled.rank is not None:
        newest = (select(m.c.post_id)
                  .order_by(m.c.date.desc().nulls_last(), m.c.post_id.desc())
                  .limit(max(RANK_WINDOW, offset + limit)).subquery("newest"))
        score = func.ts_rank(documents.c.tsv, compiled.rank).label("score")
        page = (select(documents.c.post_id, score)
                .join_from(newest, documents, documents.c.post_id == newest.c.post_id)
                .order_by(score.desc(), documents.c.post_id)
                .offset(offset).limit(limit).subquery("page"))
        order = (page.c.score.desc(), page.c.post_id)
    else:
        date = (m.c.date.asc().nulls_last(), m.c.post_id) if sort == "oldest" \
            else (m.c.date.desc().nulls_last(), m.c.post_id.desc())
        page = (select(m.c.post_id, m.c.date).order_by(*date)
                .offset(offset).limit(limit).subquery("page"))
        order = (page.c.date.asc().nulls_last(), page.c.post_id) if sort == "oldest" \
            else (page.c.date.desc().nulls_last(), page.c.post_id.desc())
    return select(literal("hit").label("kind"), cast(page.c.post_id, Text),
                  func.row_number().over(order_by=order))


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
    query = cast(literal(_quote(word)), TSQUERY)  # in new text
    matches = select(documents.c.post_id).where(
        documents.c.tsv.op("@@")(query)).limit(1000)
    return connection.execute(
        select(func.count()).select_from(matches.subquery())).scalar_one()


# -- schema (used by the migration) ----------------------------------------------------

RUM_INDEX = ("CREATE INDEX ix_search_documents_tsv ON search_documents "
             "USING rum (tsv rum_tsvector_ops)")


def rum_available(connection: Connection) -> bool:
    """Whether the rum extension is installed on the server (or can be created)."""
    return bool(connection.scalar(text(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")))
