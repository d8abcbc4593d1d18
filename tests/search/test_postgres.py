"""The postgres backend's own promises about concurrent writers."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from forum.search.documents import PostDocument


def _doc(post_id: int, words: str) -> PostDocument:
    return PostDocument(post_id, post_id, "subject", "author", words, "", ["g"],
                        datetime(2000, 1, 1), stamp=f"{post_id:016x}")


@pytest.fixture
def index(postgres_search_url):
    from forum.search.backends.postgres import PostgresIndex

    engine = create_engine(postgres_search_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM search_documents"))
        connection.execute(text("DELETE FROM search_words"))
    yield PostgresIndex(engine)
    engine.dispose()


def test_a_writer_never_waits_for_another_transactions_new_words(index):
    """Two long transactions adding the same new words must not wait on each
    other (in opposite orders they deadlocked): words are written apart."""
    moderator = Session(bind=index.engine)
    index.index([_doc(1, "zebra quagga")], session=moderator)  # not committed
    finished = threading.Event()

    def indexer():
        index.index([_doc(2, "apple zebra quagga")])
        finished.set()

    thread = threading.Thread(target=indexer)
    thread.start()
    thread.join(timeout=10)
    try:
        assert finished.is_set(), "the second writer waited for the first's words"
    finally:
        moderator.rollback()
        moderator.close()
        thread.join()
    assert set(index.stamps()) == {2}
    assert index.suggest(["zebre"]) == {"zebre": "zebra"}


def _dated(post_id: int, words: str, year: int | None, group: str) -> PostDocument:
    return PostDocument(post_id, post_id, "subject", f"author {post_id % 4}", words, "",
                        [group], datetime(year, 1, post_id % 28 + 1) if year else None,
                        stamp=f"{post_id:016x}")


def _reference_page(connection, compiled, sort: str, offset: int,
                    limit: int) -> list[int]:
    """The page rule written plainly: by date, or the newest RANK_WINDOW
    matches ranked by ts_rank."""
    from sqlalchemy import func, select

    from forum.search.backends.postgres import RANK_WINDOW, documents

    newest = (documents.c.date.desc().nulls_last(), documents.c.post_id.desc())
    matches = select(documents.c.post_id, documents.c.tsv).where(compiled.where)
    if sort == "oldest":
        stmt = matches.order_by(documents.c.date.asc().nulls_last(),
                                documents.c.post_id)
    elif sort == "date" or compiled.rank is None:
        stmt = matches.order_by(*newest)
    else:
        window = matches.order_by(*newest).limit(RANK_WINDOW).subquery()
        stmt = select(window.c.post_id, window.c.tsv).order_by(
            func.ts_rank(window.c.tsv, compiled.rank).desc(), window.c.post_id)
    rows = connection.execute(stmt.offset(offset).limit(limit), compiled.params)
    return [row[0] for row in rows]


@pytest.mark.parametrize("sort", ["relevance", "date", "oldest"])
def test_the_one_pass_page_follows_the_page_rule_and_counts(index, sort):
    """On GIN a page, its total and facets come from one statement."""
    from forum.search.backends.postgres import compile_query, total_and_facets
    from forum.search.query import parse_query

    words = ["calcium " * (n % 5 + 1) + ("it is late" if n % 3 else "late")
             for n in range(120)]
    index.index(_dated(n, words[n], None if n % 7 == 0 else 1990 + n % 11, f"g{n % 3}")
                for n in range(1, 120))
    for text_ in ["calcium", '"it is"', "late -calcium", "calcium OR late", "nothing"]:
        compiled = compile_query(parse_query(text_))
        for offset, limit in [(0, 20), (15, 10), (100, 30), (500, 5)]:
            with index.engine.connect() as connection:
                ids = _reference_page(connection, compiled, sort, offset, limit)
                total, facets = total_and_facets(connection, compiled, True)
            for with_facets in (True, False):
                hits = index.search(parse_query(text_), sort=sort, offset=offset,
                                    limit=limit, facets=with_facets)
                assert (hits.ids, hits.total) == (ids, total), (text_, offset)
                assert dict(hits.facets) == (facets if with_facets else {})
