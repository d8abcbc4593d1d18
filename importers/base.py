"""The contract between format parsers and the archive.

A parser turns files into a stream of `IncomingMessage` (something to archive) and
`ImportProblem` (something it could not read, with where and why). Parsers never
touch the database or Flask: the import runner hands each message to
`forum.services.posting.archive_messages`, the one door into the archive.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# What a parser yields: a message to archive, or a problem to report.
ParsedItem = "IncomingMessage | ImportProblem"


@dataclass(slots=True)
class IncomingMessage:
    """One message as read from a source, already decoded to text.

    `message_id` and the reference ids are bare (no angle brackets) or None.
    `date` is a naive UTC datetime or None when no usable date could be found;
    `date_note` then says what was repaired or guessed; `date_offset` is the
    offset the source wrote the date in, minutes east of UTC (-240 for `-0400`),
    or None when it gave none (the date is then shown in UTC).  `raw` keeps the source
    bytes so a later, stricter renderer can start again from the original.
    """

    source: str
    position: str
    message_id: str | None = None
    subject: str = ""
    author_name: str = ""
    author_email: str | None = None
    date: datetime | None = None
    date_note: str | None = None
    date_offset: int | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    body_text: str = ""
    body_html: str | None = None
    raw: bytes | None = None
    no_archive: bool = False
    repairs: list[str] = field(default_factory=list)
    # Page importers make their own deterministic ids (so replies can name their
    # parents) and mark them synthetic; a None id gets one from the archive.
    synthetic_id: bool = False
    # Set by page importers whose parent was inferred rather than declared:
    # how sure (0..1) and what it was inferred from (human-readable).
    parent_confidence: float | None = None
    parent_evidence: str | None = None
    # "exact", or "day" when the source shows a placeholder time (Google Groups
    # gives old posts 3:00:00 AM): the date is right, the time is unknown.
    date_precision: str = "exact"
    # Where the message was published, for pages and articles.
    source_url: str | None = None
    # Why this copy may be cut off (the file ends mid-message, a base64 part
    # stops short, the closing MIME boundary is missing), or None.
    truncated: str | None = None
    # Work on the text that needs no database, done ahead of archiving by the
    # import runner (forum.services.analysis); parsers leave it None.
    prepared: Any = None

    @property
    def parent_ids(self) -> list[str]:
        """References then In-Reply-To, oldest first, without repeats or self."""
        seen: list[str] = []
        for ref in [*self.references, self.in_reply_to]:
            if ref and ref != self.message_id and ref not in seen:
                seen.append(ref)
        return seen


@dataclass(slots=True)
class ImportProblem:
    """A message that could not be archived: where it was and why.

    `kind` is "quarantined" (unreadable) or "skipped" (readable but deliberately
    not archived, e.g. X-No-Archive).  `excerpt` is a short, safe preview.
    """

    source: str
    position: str
    reason: str
    kind: str = "quarantined"
    excerpt: str = ""


def excerpt_of(data: bytes | str, limit: int = 300) -> str:
    """A printable preview of broken input for the import report.

    Stored with the problem, so it holds no NUL and no lone surrogate (PostgreSQL
    refuses both; a refused problem row would stop the whole import).
    """
    if isinstance(data, bytes):
        data = data[:limit * 4].decode("utf-8", "replace")
    return storable_text(data[:limit])


def storable_text(text: str, nul: str = "\u2400") -> str:
    """`text` without what no database stores: each NUL becomes `nul` (a visible
    U+2400 unless told otherwise), each lone surrogate U+FFFD."""
    if "\x00" in text:
        text = text.replace("\x00", nul)
    if not text.isascii():
        text = _SURROGATE.sub("\ufffd", text)
    return text


def storable_message(msg: IncomingMessage) -> IncomingMessage:
    """The message with text every database stores (PostgreSQL refuses NULs,
    UTF-8 lone surrogates); NULs are dropped, and the repair is recorded."""
    changed = False
    for name in _TEXT_FIELDS:
        value = getattr(msg, name)
        if value and not _is_storable(value):
            setattr(msg, name, storable_text(value, ""))
            changed = True
    for name in ("references", "groups", "repairs"):
        values = getattr(msg, name)
        if not all(map(_is_storable, values)):
            setattr(msg, name, [storable_text(v, "") for v in values])
            changed = True
    if changed:
        msg.repairs.append("NUL characters dropped, lone surrogates replaced")
    return msg


def storable_problem(problem: ImportProblem) -> ImportProblem:
    for name in ("source", "position", "reason", "excerpt"):
        setattr(problem, name, storable_text(getattr(problem, name)))
    return problem


_SURROGATE = re.compile("[\ud800-\udfff]")
_TEXT_FIELDS = ("source", "position", "message_id", "subject", "author_name",
                "author_email", "date_note", "in_reply_to", "body_text", "body_html",
                "parent_evidence", "source_url")


def _is_storable(text: str) -> bool:
    return "\x00" not in text and (text.isascii() or not _SURROGATE.search(text))


ParsedStream = Iterator["IncomingMessage | ImportProblem"]
