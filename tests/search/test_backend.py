"""The Whoosh backend on its own (RAM storage): every query node, facets, upkeep."""

from __future__ import annotations

from datetime import datetime

import pytest

from forum.search.documents import PostDocument, split_new_and_quoted
from forum.search.query import parse_query
from forum.search.whoosh_backend import WhooshIndex

POSTS = [
    (1, "Magnesium and muscle spasms", "Mark London",
     "A magnesium deficiency can cause muscle spasms.\nSee www.ncbi.nlm.nih.gov",
     ["alt.support.fibromyalgia"], datetime(2000, 10, 10)),
    (2, "Re: Magnesium and muscle spasms", "thai",
     "> A magnesium deficiency can cause muscle spasms.\n\nI take calcium instead.",
     ["alt.support.fibromyalgia"], datetime(2000, 10, 12)),
    (3, "Kidney stones", "Gordon Banks",
     "Stones are mostly calcium oxalate. Straße test.",
     ["sci.med", "misc.health"], datetime(1993, 4, 19)),
    (4, "Magnets for pain", "ice witch", "Magnets do nothing for pain.",
     ["sci.med"], datetime(1999, 12, 31)),
]


def document(post_id, subject, author, body, groups, date):
    new, quoted = split_new_and_quoted(body)
    return PostDocument(post_id, post_id, subject, author, new, quoted, groups,
                        date, stamp=f"s{post_id}")


@pytest.fixture
def index():
    index = WhooshIndex.in_memory()
    index.index(document(*post) for post in POSTS)
    return index


def ids(index, text, **options):
    return sorted(index.search(parse_query(text), **options).ids)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("magnesium", [1, 2]),
        ("nq:magnesium", [1]),
        ("q:magnesium", [2]),
        ("b:calcium", [2, 3]),
        ("s:stones", [3]),
        ("f:banks", [3]),
        ('"muscle spasms"', [1, 2]),
        ('"spasms muscle"', []),
        ("calcium -oxalate", [2]),
        ("calcium OR magnets", [2, 3, 4]),
        ("magn*", [1, 2, 4]),
        ("ncbi", [1]),
        ("STRASSE", [3]),
        ("group:sci.med", [3, 4]),
        ("group:misc.health calcium", [3]),
        ("thread:4", [4]),
        ("d:2000-10..2000-10 magnesium", [1, 2]),
        ("d:2000-10-11.. magnesium", [2]),
        ("before:2000 pain", [4]),
        ("after:1999 magnesium", [1, 2]),
    ],
)
def test_each_operator_narrows_as_documented(index, query, expected):
    assert ids(index, query) == expected


def test_facets_count_groups_years_and_authors(index):
    hits = index.search(parse_query("calcium OR magnets"))
    assert hits.total == 3
    assert dict(hits.facets["group"]) == {"sci.med": 2, "misc.health": 1,
                                          "alt.support.fibromyalgia": 1}
    assert dict(hits.facets["year"]) == {"1993": 1, "1999": 1, "2000": 1}


def test_facets_line_up_across_segments_with_and_without_dates(index):
    # Each index() call commits a segment; the middle one has no dated post,
    # so no year column (a multi-segment column reader would skip it).
    index.index([document(10, "undated", "nobody", "calcium", ["misc.old"], None)])
    index.index([document(11, "dated", "Gordon Banks", "calcium again", ["misc.new"],
                          datetime(2005, 1, 2))])
    hits = index.search(parse_query("calcium"))
    assert sorted(hits.ids) == [2, 3, 10, 11] and hits.total == 4
    assert dict(hits.facets["year"]) == {"1993": 1, "2000": 1, "2005": 1}
    assert dict(hits.facets["group"]) == {
        "alt.support.fibromyalgia": 1, "sci.med": 1, "misc.health": 1,
        "misc.old": 1, "misc.new": 1}
    assert dict(hits.facets["author"]) == {"thai": 1, "Gordon Banks": 2,
                                           "nobody": 1}


def test_totals_and_facets_follow_deletes_and_updates(index):
    query = parse_query("magnesium")
    assert index.search(query).total == 2  # remembered for this searcher...
    index.delete([2])
    after_delete = index.search(query)  # ...and forgotten once the index changed
    assert after_delete.ids == [1] and after_delete.total == 1
    assert dict(after_delete.facets["author"]) == {"Mark London": 1}
    index.index([document(4, "Magnets", "ice witch", "now magnesium", ["sci.med"],
                          datetime(1999, 12, 31))])
    after_update = index.search(query)
    assert sorted(after_update.ids) == [1, 4] and after_update.total == 2
    assert dict(after_update.facets["group"]) == {"alt.support.fibromyalgia": 1,
                                                  "sci.med": 1}


def test_totals_agree_with_whooshs_own_count(index):
    """The set algebra counts what Whoosh's matchers match, for every node kind."""
    from forum.search.whoosh_backend import compile_query

    index.index([document(20 + n, f"post {n}", "a", f"calcium word{n} magnets",
                          ["sci.med"], datetime(2001, 1 + n % 12, 1))
                 for n in range(30)])
    searcher = index.ix.searcher()
    for text in ["calcium", "calcium -magnets", "magnesium OR magnets", "word1*",
                 '"muscle spasms"', "s:magnesium", "group:sci.med -calcium",
                 "d:2001-03..2001-06 calcium", "q:magnesium -nq:magnesium",
                 "(calcium OR magnets) -group:sci.med", "f:london"]:
        query = parse_query(text)
        expected = len(list(searcher.docs_for_query(compile_query(query, searcher))))
        assert index.search(query).total == expected, text


def test_sort_by_date_and_pages(index):
    hits = index.search(parse_query("magnesium OR calcium OR magnets"), sort="date",
                        limit=2)
    assert hits.ids == [2, 1] and hits.total == 4
    second = index.search(parse_query("magnesium OR calcium OR magnets"),
                          sort="date", offset=2, limit=2)
    assert second.ids == [4, 3]


def test_delete_update_clear_and_stamps(index):
    index.delete([2])
    assert ids(index, "magnesium") == [1]
    index.index([document(1, "Changed", "Mark London", "zinc now", ["g"],
                          datetime(2000, 1, 1))])
    assert ids(index, "magnesium") == [] and ids(index, "zinc") == [1]
    assert index.stamps() == {1: "s1", 3: "s3", 4: "s4"}
    index.clear()
    assert index.stamps() == {}


def test_did_you_mean_for_unknown_words(index):
    assert index.suggest(["magnezium", "calcium"]) == {"magnezium": "magnesium"}


def test_prefix_expansion_is_capped(index):
    many = [document(10 + n, "s", "a", f"word{n:03d} " * 2, ["g"], None)
            for n in range(100)]
    index.index(many)
    hits = index.search(parse_query("word*"), limit=200, facets=False)
    assert hits.total == 64
