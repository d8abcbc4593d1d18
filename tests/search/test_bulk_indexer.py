"""The import's indexer in its own process, on a real on-disk index."""

from __future__ import annotations

from datetime import datetime

from forum.search.query import parse_query
from forum.search.whoosh_backend import BulkIndexer, WhooshIndex
from tests.search.test_backend import document


def _doc(post_id: int, body: str):
    return document(post_id, f"post {post_id}", "mara", body, ["sci.med"],
                    datetime(2000, 10, post_id % 28 + 1))


def test_a_post_changed_before_the_commit_is_indexed_once(tmp_path):
    folder = tmp_path / "index"
    WhooshIndex.on_disk(folder)
    bulk = BulkIndexer(str(folder))
    bulk.send([_doc(1, "magnesium first"), _doc(2, "calcium")], [], [])
    bulk.send([], [_doc(1, "magnesium second version")], [])
    bulk.send([_doc(3, "magnesium third")], [], [2])
    bulk.close()
    index = WhooshIndex.on_disk(folder)
    hits = index.search(parse_query("magnesium"))
    assert sorted(hits.ids) == [1, 3] and hits.total == 2
    assert index.search(parse_query("second")).ids == [1]
    assert index.search(parse_query("first")).ids == []
    assert index.search(parse_query("calcium")).total == 0
    assert sorted(index.stamps()) == [1, 3]


def test_changes_to_committed_posts_replace_them(tmp_path):
    folder = tmp_path / "index"
    WhooshIndex.on_disk(folder)
    bulk = BulkIndexer(str(folder))
    bulk.send([_doc(n, f"magnesium word{n}") for n in range(1, 13)], [], [])
    bulk.close()
    bulk = BulkIndexer(str(folder))
    bulk.send([], [_doc(5, "calcium now")], [7])
    bulk.close()
    index = WhooshIndex.on_disk(folder)
    assert index.search(parse_query("magnesium")).total == 10
    assert index.search(parse_query("calcium")).ids == [5]
    assert 7 not in index.stamps() and len(index.stamps()) == 11
