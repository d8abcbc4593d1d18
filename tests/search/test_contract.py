"""The search contract, the same for every backend (tests/search/conftest.py).

Documents in, ranked ids, totals and facets out: every query operator, sorts,
pages, facets, spelling, upkeep and the writer's promises.  Whoosh-only
details live in test_whoosh.py.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from forum.search import FACET_LIMIT
from forum.search.documents import PostDocument, split_new_and_quoted
from forum.search.query import parse_query

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
EVIDENCE = {1: dict(labels=["unsupported"], has=["label", "citation"],
                    pmids=["12345"]),
            3: dict(has=["citation"], pmids=["777"]),
            4: dict(has=["flagged"])}


def document(post_id, subject, author, body, groups, date, **evidence):
    new, quoted = split_new_and_quoted(body)
    return PostDocument(post_id, post_id, subject, author, new, quoted, groups,
                        date, stamp=f"{post_id:016x}", **evidence)


@pytest.fixture
def index(backend):
    backend.index(document(*post, **EVIDENCE.get(post[0], {})) for post in POSTS)
    return backend


def ids(index, text, **options):
    return sorted(index.search(parse_query(text), **options).ids)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("magnesium", [1, 2]),
        ("MAGNESIUM", [1, 2]),
        ("nq:magnesium", [1]),
        ("q:magnesium", [2]),
        ("b:calcium", [2, 3]),
        ("s:stones", [3]),
        ("s:magnesium -s:re", [1]),
        ("f:banks", [3]),
        ('f:"gordon banks"', [3]),
        ('"muscle spasms"', [1, 2]),
        ('"spasms muscle"', []),
        ('"spasms see"', [1]),
        ('"spasms i"', []),  # a phrase never spans quoted and new text...
        ('"spasms a"', []),  # ...nor subject and body
        ("calcium -oxalate", [2]),
        ("calcium NOT oxalate", [2]),
        ("calcium OR magnets", [2, 3, 4]),
        ("(calcium OR magnets) -group:sci.med", [2]),
        ("magn*", [1, 2, 4]),
        ("s:magn*", [1, 2, 4]),
        ("ncbi", [1]),
        ("nih gov", [1]),
        ("www.ncbi.nlm.nih.gov", [1]),
        ("STRASSE", [3]),
        ("straße", [3]),
        ("group:sci.med", [3, 4]),
        ("group:SCI.MED", [3, 4]),
        ("group:misc.health calcium", [3]),
        ("thread:4", [4]),
        ("thread:4 magnets", [4]),
        ("d:2000-10..2000-10 magnesium", [1, 2]),
        ("d:2000-10-11.. magnesium", [2]),
        ("before:2000 pain", [4]),
        ("after:1999 magnesium", [1, 2]),
        ("d:1993 OR magnets", [3, 4]),
        ("label:unsupported", [1]),
        ("has:citation", [1, 3]),
        ("has:label", [1]),
        ("pmid:777", [3]),
        ("pmid:777 OR pmid:12345", [1, 3]),
        ("is:flagged", [4]),
        ("is:flagged -magnets", []),
        ("zinc", []),
    ],
)
def test_each_operator_narrows_as_documented(index, query, expected):
    hits = index.search(parse_query(query))
    assert sorted(hits.ids) == expected
    assert hits.total == len(expected)


def test_facets_count_groups_years_and_authors(index):
    hits = index.search(parse_query("calcium OR magnets"))
    assert hits.total == 3
    assert dict(hits.facets["group"]) == {"sci.med": 2, "misc.health": 1,
                                          "alt.support.fibromyalgia": 1}
    assert dict(hits.facets["year"]) == {"1993": 1, "1999": 1, "2000": 1}
    assert dict(hits.facets["author"]) == {"thai": 1, "Gordon Banks": 1,
                                           "ice witch": 1}
    assert hits.facets["group"][0] == ("sci.med", 2)


def test_no_match_and_no_facets_asked_give_no_facets(index):
    for hits in (index.search(parse_query("zinc")),
                 index.search(parse_query("calcium"), facets=False)):
        assert not any(dict(hits.facets).values())


def test_facets_keep_the_most_frequent_ties_in_value_order(backend):
    backend.index(document(n, "s", f"author {n:02d}", "common", [f"g{n % 12:02d}"],
                           datetime(1990 + n % 15, 1, 1)) for n in range(1, 40))
    hits = backend.search(parse_query("common"))
    assert len(hits.facets["author"]) == FACET_LIMIT
    assert [name for name, _ in hits.facets["author"]] == [
        f"author {n:02d}" for n in range(1, FACET_LIMIT + 1)]
    groups = hits.facets["group"]
    assert groups[:3] == [("g01", 4), ("g02", 4), ("g03", 4)]
    assert len(groups) == FACET_LIMIT and all(n == 3 for _, n in groups[3:])


def test_facets_and_totals_across_several_commits_with_and_without_dates(index):
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
    assert index.search(query).total == 2
    index.delete([2])
    after_delete = index.search(query)
    assert after_delete.ids == [1] and after_delete.total == 1
    assert dict(after_delete.facets["author"]) == {"Mark London": 1}
    index.index([document(4, "Metals", "ice witch", "now magnesium", ["sci.med"],
                          datetime(1999, 12, 31))])
    after_update = index.search(query)
    assert sorted(after_update.ids) == [1, 4] and after_update.total == 2
    assert dict(after_update.facets["group"]) == {"alt.support.fibromyalgia": 1,
                                                  "sci.med": 1}
    assert ids(index, "magnets") == []  # the old version is gone


def test_sort_by_date_pages_and_undated_posts_last(index):
    index.index([document(5, "undated", "x", "calcium", ["g"], None)])
    query = parse_query("magnesium OR calcium OR magnets")
    newest = index.search(query, sort="date", limit=2)
    assert newest.ids == [2, 1] and newest.total == 5
    assert index.search(query, sort="date", offset=2, limit=2).ids == [4, 3]
    assert index.search(query, sort="date", offset=4, limit=2).ids == [5]
    oldest = index.search(query, sort="oldest", limit=5)
    assert oldest.ids == [3, 4, 1, 2, 5]


@pytest.mark.parametrize("sort", ["relevance", "date", "oldest"])
def test_asking_for_facets_never_changes_the_page(index, sort):
    """PostgreSQL finds a page with its facets in one pass, without in another."""
    index.index([document(5, "undated", "x", "calcium calcium", ["g"], None),
                 document(6, "also undated", "y", "calcium", ["g"], None)])
    for text in ["magnesium OR calcium OR magnets", '"calcium"', "calcium -magnets",
                 "group:sci.med"]:
        query = parse_query(text)
        for offset, limit in [(0, 20), (0, 2), (2, 2), (4, 3), (50, 5)]:
            plain = index.search(query, sort=sort, offset=offset, limit=limit,
                                 facets=False)
            faceted = index.search(query, sort=sort, offset=offset, limit=limit)
            assert faceted.ids == plain.ids, (text, offset, limit)
            assert faceted.total == index.search(query, sort=sort).total


def test_relevance_puts_the_closest_match_first(backend):
    backend.index([
        document(1, "Magnesium", "a", "magnesium magnesium magnesium", ["g"], None),
        document(2, "Other", "b", "magnesium once, " + "among other words " * 20,
                 ["g"], None),
    ])
    assert backend.search(parse_query("magnesium")).ids == [1, 2]


def test_a_page_past_the_end_is_empty_with_the_right_total(index):
    hits = index.search(parse_query("magnesium"), offset=40, limit=20)
    assert hits.ids == [] and hits.total == 2


def test_an_empty_index_answers_every_query_with_nothing(backend):
    assert backend.count() == 0 and backend.stamps() == {}
    for text in ["x", '"a b"', "magn*", "group:sci.med", "d:2000 x", "-x y"]:
        hits = backend.search(parse_query(text))
        assert (hits.ids, hits.total) == ([], 0)
        assert all(not values for values in hits.facets.values())
    assert backend.suggest(["magnezium"]) == {}


def test_facets_can_be_skipped(index):
    hits = index.search(parse_query("magnesium"), facets=False)
    assert sorted(hits.ids) == [1, 2] and hits.total == 2 and not hits.facets


def test_delete_update_clear_count_and_stamps(index):
    index.delete([2])
    assert ids(index, "magnesium") == [1]
    index.index([document(1, "Changed", "Mark London", "zinc now", ["g"],
                          datetime(2000, 1, 1))])
    assert ids(index, "magnesium") == [] and ids(index, "zinc") == [1]
    assert index.stamps() == {1: f"{1:016x}", 3: f"{3:016x}", 4: f"{4:016x}"}
    assert index.count() == 3
    index.clear()
    assert index.stamps() == {} and index.count() == 0
    assert ids(index, "zinc") == []


def test_did_you_mean_for_unknown_words(index):
    assert index.suggest(["magnezium", "calcium"]) == {"magnezium": "magnesium"}
    assert index.suggest(["magnsium"]) == {"magnsium": "magnesium"}
    assert index.suggest(["magnezyum"]) == {"magnezyum": "magnesium"}
    assert index.suggest(["qqqqqqq"]) == {}


def test_prefix_finds_every_word_that_starts_with_it(backend):
    backend.index(document(10 + n, "s", "a", f"word{n:03d}", ["g"], None)
                  for n in range(30))
    hits = backend.search(parse_query("word*"), limit=50, facets=False)
    assert hits.total == 30


def test_prefix_expansion_is_capped_where_the_engine_expands(backend):
    if backend.name == "postgres":
        pytest.skip("PostgreSQL matches prefixes inside its index: nothing to cap")
    backend.index(document(10 + n, "s", "a", f"word{n:03d} " * 2, ["g"], None)
                  for n in range(100))
    hits = backend.search(parse_query("word*"), limit=200, facets=False)
    assert hits.total == 64


def test_describe_says_what_and_where(index):
    about = index.describe()
    assert about["backend"] == index.name and about["bytes"] >= 0


# -- the writer ----------------------------------------------------------------------


def _doc(post_id: int, body: str):
    return document(post_id, f"post {post_id}", "mara", body, ["sci.med"],
                    datetime(2000, 10, post_id % 28 + 1))


@pytest.mark.parametrize("bulk", [False, True], ids=["writer", "bulk-writer"])
def test_a_post_changed_before_the_commit_is_indexed_once(backend, bulk):
    with backend.writer(bulk=bulk) as writer:
        writer.add([_doc(1, "magnesium first"), _doc(2, "calcium")], new=True)
        writer.add([_doc(1, "magnesium second version")])
        writer.add([_doc(3, "magnesium third")], new=True)
        writer.delete([2])
        writer.commit()
    hits = backend.search(parse_query("magnesium"))
    assert sorted(hits.ids) == [1, 3] and hits.total == 2
    assert ids(backend, "second") == [1] and ids(backend, "first") == []
    assert backend.search(parse_query("calcium")).total == 0
    assert sorted(backend.stamps()) == [1, 3]


@pytest.mark.parametrize("bulk", [False, True], ids=["writer", "bulk-writer"])
def test_changes_to_committed_posts_replace_them(backend, bulk):
    backend.index([_doc(n, f"magnesium word{n}") for n in range(1, 13)])
    with backend.writer(bulk=bulk) as writer:
        writer.add([_doc(5, "calcium now")])
        writer.delete([7])
        writer.commit()
    assert backend.search(parse_query("magnesium")).total == 10
    assert ids(backend, "calcium") == [5]
    assert 7 not in backend.stamps() and len(backend.stamps()) == 11


def test_a_clear_in_a_writer_keeps_what_is_added_after_it(index):
    with index.writer(bulk=True) as writer:
        writer.clear()
        writer.add([_doc(20, "zinc")], new=True)
        writer.commit()
    assert index.stamps().keys() == {20}
    assert ids(index, "zinc") == [20] and ids(index, "magnesium") == []


def test_nothing_uncommitted_is_seen(index):
    with index.writer() as writer:
        writer.add([_doc(30, "uncommitted words")], new=True)
        assert ids(index, "uncommitted") == []
        writer.commit()
    assert ids(index, "uncommitted") == [30]


def test_a_second_writer_is_told_at_once_when_the_first_holds_it(backend):
    if backend.in_database:
        pytest.skip("PostgreSQL orders concurrent writers itself; no writer lock")
    with backend.writer() as first:
        assert first is not None
        with backend.writer(wait=False) as second:
            assert second is None
    with backend.writer(wait=False) as again:
        assert again is not None
