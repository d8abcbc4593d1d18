"""tantivy-only details: its tokenizer makes exactly the query parser's words."""

from __future__ import annotations

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
