"""What a word is, for the query parser and every backend alike.

A word is a run of letters and digits (Python's `str.isalnum`), casefolded:
`www.ncbi.nlm.nih.gov` is five words, `snake_case` two, `Straße` is
`strasse`.  The query parser, Whoosh's analyzer and PostgreSQL's tsvectors use
WORD itself; tantivy's simple tokenizer splits on the same characters once
`split_for_tantivy` has turned the few it treats differently into spaces, so a
query's words are exactly the indexed words in every backend.
"""

from __future__ import annotations

import re

WORD = re.compile(r"[^\W_]+")
_NOT_WORD = re.compile(r"[\W_]+")


def words_of(text: str) -> list[str]:
    """The words of `text`, casefolded, in order."""
    return WORD.findall(text.casefold())


def split_for_tantivy(text: str) -> str:
    """`text` casefolded, with every character that is not part of a word a space.

    tantivy's simple tokenizer keeps runs of Rust's alphanumeric characters,
    which include combining vowel signs (Devanagari, Thai...) that Python does
    not count as letters; ASCII needs no change (both agree on it).
    """
    text = text.casefold()
    return text if text.isascii() else _NOT_WORD.sub(" ", text)
