"""What a format parser yields, and the repairs every message gets.

A parser turns files into a stream of `IncomingMessage` (something to archive,
defined in the neutral `incoming` package that the archive reads too) and
`ImportProblem` (something it could not read, with where and why). Parsers never
touch the database or Flask: the import runner hands each message to
`forum.services.posting.Archiver`, the one door into the archive.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Re-exported: every parser names the stream's two kinds from this module.
from incoming.message import IncomingMessage as IncomingMessage

# What a parser yields: a message to archive, or a problem to report.
ParsedItem = "IncomingMessage | ImportProblem"


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
