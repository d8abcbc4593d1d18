"""Documents as rows of `search_documents`: every word a lexeme of its field.

Each post is one `tsvector` whose lexemes are the words the query parser
makes (built here in Python, not by PostgreSQL's text parser, which keeps
`www.ncbi.nlm.nih.gov` as one word).  Each field's words are lexemes of their
own (`s:word` subject, `f:word` author, `q:word` quoted text, the bare word
for new text; migration 0012), weighted A, D, C and B for ranking, with a
one-position gap between fields so a phrase never spans two.  Exact filters
are lexemes too (`g:sci.med`, `t:42`, `l:unsupported`, `h:citation`,
`p:12345`), so one index scan answers the whole query but for date ranges.
"""

from __future__ import annotations

from typing import Any

from forum.search.backends.common import FIELD_MAP, MAX_WORD
from forum.search.documents import PostDocument
from forum.search.words import WORD

# Each field's words are lexemes of their own ("s:word" for the subject), so a
# field query is one exact lexeme lookup: with weights alone GIN had to fetch
# and recheck every document holding the word (`s:magnesium`: 0.5 s at 100k).
# The weights remain, for ranking.  New text keeps the bare word.
NAMESPACES = {"subject": ("s:", "A"), "author": ("f:", "D"), "new": ("", "B"),
              "quoted": ("q:", "C")}
# The lexeme prefixes a query's field looks in.
FIELD_NAMESPACES = {field: tuple(NAMESPACES[name][0] for name in names)
                    for field, names in FIELD_MAP.items()}
KEYWORD_PREFIX = {"group": "g", "thread": "t", "label": "l", "has": "h",
                  "pmid": "p"}
MAX_POSITION = 16383  # PostgreSQL's limit; later words share this position
MAX_POSITIONS = 255  # a lexeme keeps at most this many positions
MAX_LEXEME_BYTES = 900_000  # a tsvector holds at most 1 MB of lexemes


def document_row(doc: PostDocument) -> tuple[dict[str, Any], set[str]]:
    """The table row for a document, and the words of its new text."""
    vector, new_words = tsvector_text(doc)
    return {
        "post_id": doc.post_id, "tsv": vector, "date": doc.date, "year": doc.year,
        "groups": [g.lower() for g in doc.groups], "author_key": doc.author_key,
        "stamp": doc.stamp,
    }, new_words


def tsvector_text(doc: PostDocument) -> tuple[str, set[str]]:
    """A tsvector literal: every word with its positions and field weight.

    Built as text in one pass per field (an import writes one per post, so
    this was a third of the indexer's time when written word by word).
    """
    lexemes: list[str] = []
    position, size = 1, 0
    new_words: set[str] = set()
    for field, text_ in (("subject", doc.subject), ("author", doc.author),
                         ("new", doc.new_text), ("quoted", doc.quoted_text)):
        prefix, weight = NAMESPACES[field]
        words = WORD.findall(text_.casefold())
        places: dict[str, list[int]] = {}
        for offset, word in enumerate(words, position):
            found = places.get(word)
            if found is None:
                places[word] = [offset]
            else:
                found.append(offset)
        position += len(words) + 1  # a gap: no phrase spans two fields
        if field == "new":
            new_words.update(w for w in places if len(w) <= MAX_WORD)
        for word, found in places.items():
            if len(word) > MAX_WORD:
                continue
            size += len(word) + len(prefix) if word.isascii() \
                else len((prefix + word).encode())
            if size > MAX_LEXEME_BYTES:
                break
            if len(found) == 1 and found[0] <= MAX_POSITION:  # most words
                lexemes.append(f"'{prefix}{word}':{found[0]}{weight}")
            else:
                lexemes.append(f"'{prefix}{word}':{_positions(found, weight)}")
    lexemes.extend(quote(lexeme) for lexeme in keyword_lexemes(doc))
    return " ".join(lexemes), new_words


def _positions(found: list[int], weight: str) -> str:
    """`3A,9A`: at most MAX_POSITIONS, none past MAX_POSITION."""
    found = found[:MAX_POSITIONS]
    if found[-1] > MAX_POSITION:
        found = [min(p, MAX_POSITION) for p in found]
    return (weight + ",").join(map(str, found)) + weight


def keyword_lexemes(doc: PostDocument) -> list[str]:
    found = [f"g:{g.lower()}" for g in doc.groups]
    found.append(f"t:{doc.thread_id}")
    found += [f"l:{v.lower()}" for v in doc.labels]
    found += [f"h:{v.lower()}" for v in doc.has]
    found += [f"p:{v}" for v in doc.pmids]
    return found


def quote(lexeme: str) -> str:
    """A lexeme as a quoted tsvector or tsquery literal."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
