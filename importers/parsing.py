"""Shared RFC 5322 helpers: one message's bytes in, an IncomingMessage out.

Built on `email` with `policy.compat32`: the modern policy is about eight times
slower, and imports must run at thousands of messages a second.  compat32 does no
decoding of its own, so headers (8-bit bytes, RFC 2047 words, lying charsets),
message ids and dates are decoded here, and every repair is recorded.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from email import policy
from email.message import Message
from email.parser import BytesParser

from importers.base import ImportProblem, IncomingMessage, excerpt_of
from importers.dates import (
    SourceDate,
    envelope_date,
    parse_source_date,
    received_date,
    resolve_source_date,
)
from importers.headers import (
    decode_header_text,
    extract_ids,
    in_reply_to,
    normalize_message_id,
    parse_author,
)
from importers.mime import charset_param, codec_name, extract_body

logger = logging.getLogger(__name__)

_PARSER = BytesParser(policy=policy.compat32)
_WANTED = frozenset({
    "from", "subject", "date", "message-id", "in-reply-to", "references",
    "newsgroups", "x-no-archive", "archive", "received", "nntp-posting-date",
    "injection-date", "content-type",
})
# A message needs at least one of these to be worth archiving.
_IDENTITY = frozenset({"from", "subject", "date", "message-id", "newsgroups"})
_HEADER_LINE = re.compile(rb"[!-9;-~]+:")
_CONTROL = bytes([*range(9), 11, 12, *range(14, 32), 127])


class _Headers:
    """The headers a parser needs, read once, decoded on demand."""

    def __init__(self, msg: Message, repairs: list[str]) -> None:
        self.msg = msg
        self.repairs = repairs
        self.values: dict[str, list[str]] = {}
        for name, value in msg.raw_items():
            key = name.lower()
            if key in _WANTED:
                self.values.setdefault(key, []).append(value)

    def first(self, name: str) -> str | None:
        """The raw value of the first header called `name` (lower case)."""
        values = self.values.get(name)
        return values[0] if values else None

    def text(self, name: str, words: bool = True) -> str:
        """The first `name` header decoded; the charset hint only when needed."""
        value = self.first(name)
        if value is None:
            return ""
        hint = None if value.isascii() else self._hint()
        return decode_header_text(value, hint, self.repairs, words)

    def _hint(self) -> str | None:
        # us-ascii says nothing about 8-bit header bytes (RFC 6532 allows UTF-8).
        charset = charset_param(self.first("content-type"))
        return None if codec_name(charset) == "ascii" else charset


def newsgroups_of(value: str | None) -> list[str]:
    """The groups of a Newsgroups header: comma separated, stripped, no repeats."""
    groups: list[str] = []
    for name in (value or "").split(","):
        name = name.strip()
        if name and name not in groups:
            groups.append(name)
    return groups


def strip_envelope(data: bytes) -> tuple[bytes, str | None]:
    """Split off a leading mbox/pipermail `From ` line: (message, line or None)."""
    if not data.startswith(b"From "):
        return data, None
    line, _, rest = data.partition(b"\n")
    return rest, line.decode("latin-1").rstrip("\r")


def parse_message(
    data: bytes,
    source: str,
    position: str,
    *,
    envelope: str | None = None,
    newsgroups: bool = False,
    now: datetime | None = None,
) -> IncomingMessage | ImportProblem:
    """Parse one message's bytes; a problem (never an exception) when unreadable.

    `envelope` is the `From ` separator line, used as a date fallback.
    `newsgroups` takes `groups` from the Newsgroups header (Usenet sources only).
    """
    try:
        return _parse(data, source, position, envelope, newsgroups, now)
    except Exception as exc:  # one bad message must never stop an import
        logger.warning("cannot parse %s at %s: %r", source, position, exc)
        return ImportProblem(
            source, position, f"parser error: {type(exc).__name__}: {exc}",
            excerpt=excerpt_of(data),
        )


def _parse(data, source, position, envelope, newsgroups, now):
    data, line = strip_envelope(data)
    envelope = envelope or line
    repairs: list[str] = []
    if data[:1] in (b"\n", b"\r"):
        data = data.lstrip(b"\r\n")
        repairs.append("blank lines before the headers removed")
    reason = unreadable_reason(data)
    if reason:
        return ImportProblem(source, position, reason, excerpt=excerpt_of(data))
    msg = parse_email(data)
    headers = _Headers(msg, repairs)
    if not headers.values.keys() & _IDENTITY:
        return ImportProblem(
            source, position, "no message headers (From, Subject, Date, Message-ID)",
            excerpt=excerpt_of(data),
        )
    return _build(msg, headers, data, source, position, envelope, newsgroups, now)


def parse_email(data: bytes) -> Message:
    """compat32 parse, with a shortcut that keeps imports fast.

    Only the header block goes through the feed parser when the message is a
    single part; its body is attached as is, which is what a full parse yields,
    at a fraction of the cost.  Multipart messages get the full parse.
    """
    end = _body_start(data)
    if end < 0:
        return _PARSER.parsebytes(data)
    msg = _PARSER.parsebytes(data[:end], headersonly=True)
    if msg.defects or msg.get_content_maintype() in ("multipart", "message"):
        return _PARSER.parsebytes(data)
    msg.set_payload(data[end:].decode("ascii", "surrogateescape"))
    return msg


def _body_start(data: bytes) -> int:
    lf = data.find(b"\n\n")
    crlf = data.find(b"\n\r\n")
    if crlf >= 0 and (lf < 0 or crlf < lf):
        return crlf + 3
    return lf + 2 if lf >= 0 else -1


def _build(msg, headers, data, source, position, envelope, newsgroups, now):
    repairs = headers.repairs
    name, address = parse_author(headers.text("from", words=False), repairs)
    date = resolve_source_date(_date_candidates(headers, envelope), now)
    body_text, body_html = extract_body(msg, repairs)
    repairs.extend(_defect_notes(msg))
    truncated = _truncation(repairs)
    return IncomingMessage(
        source=source,
        position=position,
        message_id=normalize_message_id(headers.text("message-id", words=False)),
        subject=headers.text("subject"),
        author_name=name,
        author_email=address,
        date=date.value,
        date_note=date.note,
        date_offset=date.offset,
        in_reply_to=in_reply_to(headers.text("in-reply-to", words=False), repairs),
        references=extract_ids(" ".join(headers.values.get("references", ()))),
        groups=newsgroups_of(headers.first("newsgroups")) if newsgroups else [],
        body_text=body_text,
        body_html=body_html,
        raw=data,
        no_archive=_no_archive(headers),
        repairs=list(dict.fromkeys(repairs)),
        truncated=truncated,
    )


def signer_of(data: bytes) -> tuple[str, str | None] | None:
    """(name, address) of a stored message's From, decoded as its import
    decoded it; None when `data` is not a mail message or has no From.

    Reads the header block only: migration 0017 runs it over every kept
    original to give older posts the name they were signed with.
    """
    headers = _stored_headers(data)
    if headers is None or headers.first("from") is None:
        return None
    return parse_author(headers.text("from", words=False), [])


def written_date(data: bytes) -> SourceDate | None:
    """A stored message's Date header as its import read it (with the offset);
    None when `data` is not a mail message or has no Date header.

    Reads the header block only: migration 0018 runs it over every kept
    original to give older posts the offset their date was written in.
    """
    headers = _stored_headers(data)
    value = headers.text("date", words=False) if headers else None
    return parse_source_date(value) if value else None


def _stored_headers(data: bytes) -> _Headers | None:
    data = strip_envelope(data)[0].lstrip(b"\r\n")
    if unreadable_reason(data):
        return None
    end = _body_start(data)
    msg = _PARSER.parsebytes(data[:end] if end >= 0 else data, headersonly=True)
    return _Headers(msg, [])


def _truncation(repairs: list[str]) -> str | None:
    """Why the message looks cut off, from what parsing it met, or None."""
    found = [why for sign, why in _CUT_SIGNS if any(sign in r for r in repairs)]
    return "; ".join(found) or None


_CUT_SIGNS = (("truncated base64 body", "a base64 part stops short"),
              ("CloseBoundaryNotFoundDefect", "the closing MIME boundary is missing"))


def _date_candidates(headers: _Headers, envelope: str | None):
    yield "Date", headers.text("date", words=False) or None
    yield "separator line", envelope_date(envelope)
    yield "Received", received_date(headers.values.get("received", []))
    yield "NNTP-Posting-Date", headers.first("nntp-posting-date")
    yield "Injection-Date", headers.first("injection-date")


def _no_archive(headers: _Headers) -> bool:
    flag = (headers.first("x-no-archive") or "").strip().lower()
    archive = (headers.first("archive") or "").strip().lower()
    return flag.startswith("yes") or archive.startswith("no")


def _defect_notes(msg: Message) -> list[str]:
    if not msg.defects and not msg.is_multipart():
        return []
    names = {type(defect).__name__ for part in msg.walk() for defect in part.defects}
    return [f"MIME defect: {name}" for name in sorted(names)]


def unreadable_reason(data: bytes) -> str | None:
    """Why some bytes cannot be a message at all (empty, binary, no headers...)."""
    if not data.strip():
        return "empty message"
    end = data.find(b"\n\n")
    if _looks_binary(data[:end] if end >= 0 else data[:8192]):
        return "binary data, not a message"
    if not _HEADER_LINE.match(data):
        return "no headers: the first line is not a header"
    if end < 0 and b"\r\n\r\n" not in data and not data.endswith(b"\n"):
        return "truncated: the header block ends mid-line"
    return None


def _looks_binary(head: bytes) -> bool:
    sample = head[:4096]
    controls = len(sample) - len(sample.translate(None, _CONTROL))
    return b"\x00" in head or controls > len(sample) // 20
