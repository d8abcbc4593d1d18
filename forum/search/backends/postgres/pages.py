"""A page of matches, their total and their facets, as SQL.

GIN cannot hand back matches in rank order, and scoring all 43,000 matches
of a common word takes a third of a second at 100,000 posts, so a page in
relevance order ranks the newest RANK_WINDOW matches (all of them when there
are fewer, which is most queries); totals and facets still count every
match.  On a RUM index, which keeps positions, the index hands matches back
in rank order itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    CompoundSelect,
    Row,
    Select,
    Text,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.base import ReadOnlyColumnCollection

from forum.search.backends.postgres.compiler import Compiled
from forum.search.backends.postgres.schema import documents
from forum.search.interface import (
    FACET_LIMIT,
    FACETS,
    Facets,
    SearchHits,
    top_facet_values,
)

RANK_WINDOW = 2000  # on GIN, relevance ranks at most this many newest matches


def page_in_rank_order(connection: Connection, compiled: Compiled, sort: str,
                       offset: int, limit: int) -> list[int]:
    """A page on a RUM index, which hands matches back in rank order."""
    stmt = select(documents.c.post_id).where(compiled.where)
    if sort in ("date", "oldest") or compiled.rank is None:
        stmt = stmt.order_by(*by_date(documents.c, sort))
    else:
        stmt = stmt.order_by(documents.c.tsv.op("<=>")(compiled.rank),
                             documents.c.post_id)
    rows = connection.execute(stmt.offset(offset).limit(limit), compiled.params)
    return [row[0] for row in rows]


def page_with_counts(connection: Connection, compiled: Compiled, sort: str,
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


def total_and_facets(connection: Connection, compiled: Compiled,
                     facets: bool) -> tuple[int, Facets]:
    """The number of matches and, in the same pass, the top facet values."""
    matches = select(documents.c.groups, documents.c.year,
                     documents.c.author_key).where(compiled.where)
    if not facets:
        count = select(func.count()).select_from(matches.subquery())
        return int(connection.execute(count, compiled.params).scalar_one()), {}
    return read_counts(connection.execute(facet_query(matches),
                                          compiled.params).all())


def facet_query(matches: Select[Any], page: Callable[[CTE], Select[Any]] | None = None,
                facets: bool = True) -> CompoundSelect[Any]:
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


def read_counts(rows: Sequence[Row[Any]]) -> tuple[int, Facets]:
    """The total and each facet's top values from facet_query's rows."""
    total = next((int(n) for kind, _value, n in rows if kind == "total"), 0)
    return total, {name: top_facet_values({value: n for kind, value, n in rows
                                           if kind == name})
                   for name in FACETS}


def page_of(m: CTE, compiled: Compiled, sort: str, offset: int,
            limit: int) -> Select[Any]:
    """Rows ("hit", post id, place) of one page of the matches `m`.

    GIN cannot hand matches back in rank order and scoring all of a common
    word's matches costs a third of a second at 100,000 posts, so relevance
    ranks the newest RANK_WINDOW matches (all of them, for most queries).
    """
    order: tuple[ColumnElement[Any], ...]
    if sort == "relevance" and compiled.rank is not None:
        newest = (select(m.c.post_id).order_by(*by_date(m.c, "date"))
                  .limit(max(RANK_WINDOW, offset + limit)).subquery("newest"))
        score = func.ts_rank(documents.c.tsv, compiled.rank).label("score")
        page = (select(documents.c.post_id, score)
                .join_from(newest, documents, documents.c.post_id == newest.c.post_id)
                .order_by(score.desc(), documents.c.post_id)
                .offset(offset).limit(limit).subquery("page"))
        order = (page.c.score.desc(), page.c.post_id)
    else:
        page = (select(m.c.post_id, m.c.date).order_by(*by_date(m.c, sort))
                .offset(offset).limit(limit).subquery("page"))
        order = by_date(page.c, sort)
    return select(literal("hit").label("kind"), cast(page.c.post_id, Text),
                  func.row_number().over(order_by=order))


def by_date(columns: ReadOnlyColumnCollection[str, Any],
            sort: str) -> tuple[ColumnElement[Any], ...]:
    """Oldest first for "oldest", else newest first; undated posts last and
    ties by post id either way."""
    if sort == "oldest":
        return (columns.date.asc().nulls_last(), columns.post_id)
    return (columns.date.desc().nulls_last(), columns.post_id.desc())
