"""The Whoosh index's fields and analyzer, and opening an index.

Whoosh ships no types: its index, searcher, reader and writer objects are
`Any` (named below) in this package.

An index pickles its schema, analyzer classes included, by module path: they
keep the package's path, `forum.search.backends.whoosh`, which indexes made
before the package was split name (and the package exports them there).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeAlias

from whoosh import index as whoosh_index
from whoosh.analysis import Filter, Token, Tokenizer
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import RamStorage

from forum.search.documents import PostDocument
from forum.search.words import WORD

Ix: TypeAlias = Any  # whoosh.index.Index
Searcher: TypeAlias = Any  # whoosh.searching.Searcher
Reader: TypeAlias = Any  # whoosh.reading.IndexReader
RawWriter: TypeAlias = Any  # whoosh.writing.IndexWriter
# The module pickled indexes name the analyzer classes in (see above).
PICKLED_MODULE = "forum.search.backends.whoosh"


class FoldedWords(Tokenizer):  # type: ignore[misc]  # Tokenizer is Any
    """Words exactly as the query parser makes them (forum.search.words).

    `Straße` and `STRASSE` are one word, `www.ncbi.nlm.nih.gov` is five.  One
    pass over the folded text (rather than a tokenizer plus a filter) matters:
    the analyzer runs once per word of every post indexed.  Character offsets
    are not kept (the app highlights on its own), so folding may change length.
    """

    __module__ = PICKLED_MODULE

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True,
                 start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: Any) -> Iterator[Any]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        words = WORD.findall(value.casefold()) if tokenize else [value.casefold()]
        for pos, word in enumerate(words, start_pos):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
            yield token


class CaseFoldFilter(Filter):  # type: ignore[misc]  # Filter is Any
    """The analyzer of indexes written before FoldedWords; kept so they open.

    `flask --app forum search rebuild` moves such an index to FoldedWords.
    """

    __module__ = PICKLED_MODULE

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for token in tokens:
            token.text = token.text.casefold()
            yield token


ANALYZER = FoldedWords()


def make_schema() -> Any:
    """Fields: text for words, keywords for exact filters, columns for facets."""
    return Schema(
        id=ID(stored=True, unique=True),
        thread=ID,
        subject=TEXT(analyzer=ANALYZER, phrase=True),
        author=TEXT(analyzer=ANALYZER, phrase=True),
        new=TEXT(analyzer=ANALYZER, phrase=True),
        quoted=TEXT(analyzer=ANALYZER, phrase=True),
        group=KEYWORD(commas=True, lowercase=True, scorable=False),
        date=DATETIME(sortable=True),
        year=NUMERIC(sortable=True),
        author_key=ID(sortable=True),
        label=KEYWORD(commas=True, lowercase=True),
        has=KEYWORD(commas=True, lowercase=True),
        pmid=KEYWORD(commas=True),
        stamp=STORED,
    )


def open_folder(folder: Path) -> Ix:
    """The index in `folder`, made empty if there is none yet."""
    folder.mkdir(parents=True, exist_ok=True)
    if whoosh_index.exists_in(str(folder)):
        return whoosh_index.open_dir(str(folder))
    return whoosh_index.create_in(str(folder), make_schema())


def in_memory() -> Ix:
    """An empty index in RAM (unit tests)."""
    return _PrivateRamStorage().create_index(make_schema())


class _PrivateRamStorage(RamStorage):  # type: ignore[misc]  # Any
    """RAM storage whose writers spill to a temporary folder of their own.

    Whoosh names that folder after the index ("MAIN.tmp" in the system's temp
    folder), so two processes with RAM indexes (two test runs) would write to
    one folder and delete it under each other.
    """

    def temp_storage(self, name: str | None = None) -> Any:
        return super().temp_storage(None)


def document_fields(doc: PostDocument) -> dict[str, object]:
    """A document as the fields of `make_schema`."""
    fields: dict[str, object] = {
        "id": str(doc.post_id), "thread": str(doc.thread_id),
        "subject": doc.subject, "author": doc.author, "new": doc.new_text,
        "quoted": doc.quoted_text, "group": ",".join(doc.groups),
        "author_key": doc.author or "(unknown)", "stamp": doc.stamp,
        "label": ",".join(doc.labels), "pmid": ",".join(doc.pmids),
        "has": ",".join(doc.has),
    }
    if doc.date is not None:
        fields["date"] = doc.date
        fields["year"] = doc.date.year
    return fields
