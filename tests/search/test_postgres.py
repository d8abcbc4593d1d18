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
