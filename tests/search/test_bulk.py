"""An import's indexer process: what happens when it dies half-way."""

from __future__ import annotations

import pytest

from forum.extensions import db
from forum.search import get_index
from forum.search.bulk import ImportIndexing
from forum.search.documents import visible_post_ids
from forum.search.sync import outbox_size
from forum.services.search import verify_index
from tests.evidence.conftest import SEED_THREAD


@pytest.fixture
def emptied(app, import_sources):
    """(post ids, index): the seed thread stored, its index emptied again."""
    import_sources(SEED_THREAD, fmt="google-groups", group="alt.support.fibromyalgia")
    index = get_index()
    index.clear()
    return visible_post_ids(db.session), index


def test_an_import_indexes_the_rest_itself_when_its_indexer_dies(emptied):
    ids, index = emptied
    indexing = ImportIndexing(index, db.session, child_after=0)
    indexing.queue(set(ids[:5]))
    db.session.commit()
    indexing.pump()  # applies the first rows, then hands over to a process
    assert indexing.child is not None
    indexing.child._process.kill()
    indexing.child._process.join()

    indexing.queue(set(ids[5:]))
    db.session.commit()
    indexing.pump()  # finds the indexer gone: goes on alone
    assert indexing.child is None and indexing.child_failed
    indexing.close()
    assert outbox_size(db.session) == 0
    report = verify_index(db.session)
    assert not report.drift and index.count() == len(ids)


def test_an_indexer_that_dies_before_the_end_leaves_nothing_behind(emptied):
    ids, index = emptied
    indexing = ImportIndexing(index, db.session, child_after=0)
    indexing.queue(set(ids[:3]))
    db.session.commit()
    indexing.pump()
    indexing.queue(set(ids[3:]))
    db.session.commit()
    indexing.child._process.kill()  # with rows it was told about, not applied
    indexing.child._process.join()
    indexing.close()
    assert outbox_size(db.session) == 0 and index.count() == len(ids)
    assert not verify_index(db.session).drift
