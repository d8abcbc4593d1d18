"""The tantivy index's fields and tokenizer, documents as fields, and opening.

Text is casefolded here and split by tantivy's simple tokenizer, which makes
exactly the words the query parser makes (forum.search.words), so every
backend agrees on what a word is; its regex tokenizer would cost twice the
indexing time.  Nothing but ids and facet values is stored: pages load posts
from the database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import tantivy

from forum.search.backends.common import MAX_WORD, TEXT_FIELDS
from forum.search.documents import PostDocument
from forum.search.words import split_for_tantivy

TOKENIZER = "forum_words"
KEYWORD_FIELDS = ("group", "label", "has", "pmid")
SCHEMA_VERSION = "2"
VERSION_FILE = "forum-schema-version"


def make_schema() -> tantivy.Schema:
    """Words with positions; raw keywords; fast fields for ids, sort and facets."""
    builder = tantivy.SchemaBuilder()
    # Signed: tantivy-py turns a Python int into a signed term when deleting.
    builder.add_integer_field("id", indexed=True, fast=True)
    builder.add_integer_field("thread", indexed=True)
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name=TOKENIZER)
    for name in KEYWORD_FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic",
                               fast=name == "group")
    builder.add_text_field("author_key", tokenizer_name="raw", index_option="basic",
                           fast=True)
    builder.add_integer_field("date", indexed=True, fast=True)
    builder.add_integer_field("year", fast=True)
    builder.add_unsigned_field("stamp", fast=True)
    return builder.build()


def analyzer() -> tantivy.TextAnalyzer:
    """The TOKENIZER: tantivy's simple tokenizer, words past MAX_WORD left out."""
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(MAX_WORD)).build())


def open_folder(folder: Path) -> tantivy.Index:
    """The index in `folder`, made empty if there is none yet.

    An index another schema version made is refused with what to do.
    """
    folder.mkdir(parents=True, exist_ok=True)
    version = folder / VERSION_FILE
    if (folder / "meta.json").exists():
        if not version.exists() or version.read_text().strip() != SCHEMA_VERSION:
            raise RuntimeError(
                f"the search index in {folder} was made by another version; "
                "remove the folder and run `flask --app forum search rebuild`")
        return tantivy.Index.open(str(folder))
    index = tantivy.Index(make_schema(), path=str(folder))
    version.write_text(SCHEMA_VERSION + "\n")
    return index


def document_fields(doc: PostDocument) -> dict[str, object]:
    """A document as the fields of `make_schema`."""
    fields: dict[str, object] = {
        "id": doc.post_id, "thread": doc.thread_id,
        "subject": split_for_tantivy(doc.subject),
        "author": split_for_tantivy(doc.author),
        "new": split_for_tantivy(doc.new_text),
        "quoted": split_for_tantivy(doc.quoted_text),
        "group": [g.lower() for g in doc.groups], "author_key": doc.author_key,
        "label": [v.lower() for v in doc.labels], "has": [v.lower() for v in doc.has],
        "pmid": list(doc.pmids), "stamp": int(doc.stamp or "0", 16),
    }
    if doc.date is not None:
        fields["date"] = seconds(doc.date)
        fields["year"] = doc.date.year
    return fields


def seconds(moment: datetime | date) -> int:
    """A date field's value: seconds since 1970 (a naive time is UTC)."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    return int(moment.replace(tzinfo=UTC).timestamp())


def number(value: int | float | bool | None) -> int:
    """A fast field's value as an int; every document has its id and date."""
    assert value is not None, "a fast field every document has"
    return int(value)
