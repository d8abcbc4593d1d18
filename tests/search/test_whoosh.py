"""Whoosh-only details: its set algebra counts what its own matchers match."""

from __future__ import annotations

from datetime import datetime

from forum.search.backends.whoosh import WhooshIndex, compile_query
from forum.search.query import parse_query
from tests.search.test_contract import POSTS, document


def test_totals_agree_with_whooshs_own_count():
    """SearcherSets counts what Whoosh's matchers match, for every node kind."""
    index = WhooshIndex.in_memory()
    index.index(document(*post) for post in POSTS)
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


def test_an_index_on_disk_opens_again(tmp_path):
    """A second process opens what the first wrote."""
    WhooshIndex.on_disk(tmp_path).index([document(*POSTS[0])])
    again = WhooshIndex.on_disk(tmp_path)
    assert again.search(parse_query("magnesium")).ids == [1]


def test_an_index_names_its_analyzer_by_the_packages_path(tmp_path):
    """An index pickles its analyzer's class by module path.  Indexes made
    before the backend became a package name `forum.search.backends.whoosh`,
    and new ones do too, so either version of the code opens either index."""
    WhooshIndex.on_disk(tmp_path).index([document(*POSTS[0])])
    toc = b"".join(path.read_bytes() for path in tmp_path.glob("_MAIN_*.toc"))
    assert b"forum.search.backends.whoosh" in toc and b"FoldedWords" in toc
    assert b"forum.search.backends.whoosh." not in toc
