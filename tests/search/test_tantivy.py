"""tantivy-only details: its tokenizer makes exactly the query parser's words."""

from __future__ import annotations

import os
import sys

import pytest

from forum.search.backends.tantivy import _analyzer
from forum.search.words import split_for_tantivy, words_of


@pytest.mark.parametrize("text", [
    "www.ncbi.nlm.nih.gov/entrez/query.fcgi?db=PubMed&uid=9068914",
    "snake_case and CamelCase", "Straße STRASSE", "naïve café cafe\u0301",
    "हिन्दी भाषा में", "ภาษาไทยง่าย", "x² ½ ① Ⅻ ٣٤٥", "日本語のテキスト",
    "emoji 🙂 and — dashes…", "tab\tand\nnewline", "",
])
def test_tantivy_splits_text_into_the_query_parsers_words(text):
    assert _analyzer().analyze(split_for_tantivy(text)) == words_of(text)


def test_every_character_python_counts_as_a_letter_or_digit_is_one_to_tantivy():
    """If a newer tantivy split on one of these, its words would stop matching."""
    letters = [chr(i) for i in range(sys.maxunicode + 1)
               if not 0xD800 <= i <= 0xDFFF and chr(i).isalnum()]
    text = " ".join(letters)
    assert _analyzer().analyze(split_for_tantivy(text)) == words_of(text)


def test_facets_counted_beside_the_search_are_ready_when_read(tmp_path):
    from forum.search.backends.tantivy import TantivyIndex, facet_pool
    from forum.search.query import parse_query
    from tests.search.test_contract import document

    index = TantivyIndex.on_disk(tmp_path / "ix")
    index.index(document(n, "s", f"author {n % 3}", "common", ["g"], None)
                for n in range(1, 31))
    hits = index.search(parse_query("common"))
    assert dict(hits.facets) == {"group": [("g", 30)], "year": [],
                                 "author": [("author 0", 10), ("author 1", 10),
                                            ("author 2", 10)]}
    # A worker forked after the pool started (gunicorn --preload) makes its own:
    # threads do not survive a fork, and the parent's pool would never answer.
    parent_pool = facet_pool()
    pid = os.fork()
    if pid == 0:  # the child: exit status says whether its pool works
        pool = facet_pool()
        os._exit(0 if pool is not parent_pool and pool.submit(int, "7").result(5) == 7
                 else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_an_error_in_the_facet_count_is_raised_where_the_facets_are_read():
    from concurrent.futures import Future

    from forum.search import PendingFacets

    failed: Future = Future()
    failed.set_exception(RuntimeError("aggregation failed"))
    facets = PendingFacets(failed)
    with pytest.raises(RuntimeError, match="aggregation failed"):
        facets.get("group")
