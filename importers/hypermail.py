"""Hypermail archive pages: one HTML page per message, a folder or a tar of them.

Hypermail keeps each message's headers in HTML comments before the body
(`<!-- id="..." -->`, `inreplyto`, `sent`, `isosent`, `name`, `email`,
`subject`), with addresses hidden behind numeric entities (`npdoty&#x40;...`)
and, in some archives, `_at_` in message ids.  The declared charset is not to be
trusted (`utf-8859-1`, `UTF-8ws-1252`): pages are read as UTF-8 when they are
valid UTF-8, else as Windows-1252.  The body is the section between the
`body="start"` and `body="end"` comments, turned into plain text without the
header block or the navigation; lines hypermail marks as quoted
(`class="quotelev1".."quotelev4"`) become `>` lines.  Month and thread index
pages are reported as skipped, so a run over a whole archive folder balances.
"""

from __future__ import annotations

import html
import logging
import re
import tarfile
from datetime import datetime
from pathlib import Path

from importers.base import ImportProblem, IncomingMessage, ParsedStream, excerpt_of
from importers.dates import resolve_source_date
from importers.headers import normalize_message_id, parse_author
from importers.hypermail_body import body_text
from importers.maildir import walk_files
from importers.mime import FALLBACK_CHARSETS, codec_name
from importers.streams import (
    STREAM_ERRORS,
    guard_damage,
    iter_tar_files,
    read_each,
    read_file,
)

logger = logging.getLogger(__name__)

PAGE_SUFFIXES = (".html", ".htm")
INDEX_PAGE = "hypermail index page, not a message"
_MARK = re.compile(
    rb'<!-- (?:received|isoreceived)="|<meta name="generator" content="hypermail',
    re.I,
)
_META = re.compile(r'<!-- (\w+)="(.*?)" -->', re.S)
_CHARSET = re.compile(rb'<!-- charset="([^"]*)" -->|charset=([\w.:-]+)', re.I)
_BODY_START = '<!-- body="start" -->'
_BODY_END = '<!-- body="end" -->'
_UNKNOWN_CHARSET = "(unknown charset) "
_EN_DASH = "\u2013"


def looks_like_hypermail(head: bytes) -> bool:
    """True for the start of a page hypermail wrote (a message or an index)."""
    return _MARK.search(head) is not None


def is_hypermail_tar(path: Path, names: list[str]) -> bool:
    """True when most sampled tar members are pages and the first is hypermail's."""
    pages = [name for name in names if name.lower().endswith(PAGE_SUFFIXES)]
    if 2 * len(pages) <= len(names):
        return False
    for name, data in iter_tar_files(path):
        if name == pages[0]:
            return looks_like_hypermail(data[:16384])
    return False


def iter_hypermail(path: str | Path) -> ParsedStream:
    """Every page of a hypermail page, folder of pages, or tar of pages.

    Position is the page's path inside the folder or tar ("file" for a single
    page).  Files not named `.html`/`.htm` (images, attachments) are not read.
    """
    path = Path(path)
    if path.is_dir():
        return _folder_pages(path)
    if _is_tar(path):
        return guard_damage(_tar_pages(path), str(path))
    return iter([parse_page(read_file(path), str(path), "file")])


def _is_tar(path: Path) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except (OSError, *STREAM_ERRORS):
        return False


def _folder_pages(root: Path) -> ParsedStream:
    pages = (f for f in walk_files(root) if f.suffix.lower() in PAGE_SUFFIXES)
    for read in read_each(root, pages):
        yield read if isinstance(read, ImportProblem) else \
            parse_page(read[1], str(root), read[0])


def _tar_pages(path: Path) -> ParsedStream:
    for name, data in iter_tar_files(path):
        if name.lower().endswith(PAGE_SUFFIXES):
            yield parse_page(data, str(path), name)


def parse_page(
    data: bytes, source: str, position: str
) -> IncomingMessage | ImportProblem:
    """One hypermail page: a message, or a problem (never an exception)."""
    try:
        return _parse_page(data, source, position)
    except Exception as exc:  # one bad page must never stop an import
        logger.warning("cannot parse %s at %s: %r", source, position, exc)
        return ImportProblem(
            source, position, f"parser error: {type(exc).__name__}: {exc}",
            excerpt=excerpt_of(data),
        )


def _parse_page(data: bytes, source: str, position: str):
    if not data.strip():
        return ImportProblem(source, position, "empty file")
    text, repair = decode_page(data)
    head, found, rest = text.partition(_BODY_START)
    meta = page_metadata(head)
    if "id" not in meta and not found:
        reason = INDEX_PAGE if looks_like_hypermail(data[:16384]) else (
            "not a hypermail message page")
        return ImportProblem(source, position, reason, kind="skipped",
                             excerpt=excerpt_of(text))
    repairs = [repair] if repair else []
    body = _body_section(rest, found, repairs)
    return _message(meta, body, data, source, position, repairs)


def decode_page(data: bytes) -> tuple[str, str | None]:
    """A page's text, ignoring its declared charset: UTF-8 if valid, else cp1252.

    The repair says when the declared charset was not what the bytes are.
    """
    text, used = _first_decoding(data)
    if data.isascii():
        return text, None
    declared = _declared_charset(data)
    if _reads_the_same(data, codec_name(declared), used, text):
        return text, None
    return text, f"charset {declared or 'undeclared'} replaced by {used}"


def _reads_the_same(data: bytes, codec: str | None, used: str, text: str) -> bool:
    """Whether the declared charset would have given the same text."""
    if codec is None or codec == used:
        return codec == used
    try:
        return data.decode(codec) == text
    except (ValueError, LookupError):  # "undefined" raises a bare UnicodeError
        return False


def _first_decoding(data: bytes) -> tuple[str, str]:
    for codec in FALLBACK_CHARSETS:
        try:
            return data.decode(codec), codec_name(codec) or codec
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover


def _declared_charset(data: bytes) -> str | None:
    match = _CHARSET.search(data[:16384])
    if match is None:
        return None
    return (match.group(1) or match.group(2)).decode("ascii", "replace")


def page_metadata(head: str) -> dict[str, str]:
    """The `<!-- name="value" -->` comments before the body, entities decoded."""
    meta: dict[str, str] = {}
    for name, value in _META.findall(head):
        meta.setdefault(name.lower(), html.unescape(value))
    return meta


def _body_section(rest: str, found: str, repairs: list[str]) -> str:
    if not found:
        repairs.append("page has no message body section")
        return ""
    body, end, _ = rest.partition(_BODY_END)
    if not end:
        repairs.append("page ends before the end of the message body")
    return body_text(body)


def _message(meta, body, data, source, position, repairs) -> IncomingMessage:
    name, email = _author(meta, repairs)
    date = resolve_source_date(_date_candidates(meta))
    return IncomingMessage(
        source=source,
        position=position,
        message_id=_message_id(meta.get("id"), repairs),
        subject=_without_unknown_charset(meta.get("subject", ""), repairs),
        author_name=name,
        author_email=email,
        date=date.value,
        date_note=date.note,
        date_offset=date.offset,
        in_reply_to=_message_id(meta.get("inreplyto"), repairs),
        body_text=body,
        raw=data,
        repairs=list(dict.fromkeys(repairs)),
    )


def _author(meta: dict[str, str], repairs: list[str]) -> tuple[str, str | None]:
    """(name, address); the address may be a bare local part, kept as such.

    Some archives cut `email` down to the local part but leave the whole
    address in `name` (`alison.pamment at stfc.ac.uk`): that address is used.
    """
    name = _without_unknown_charset(meta.get("name", ""), repairs)
    email = meta.get("email", "").strip() or None
    if "@" in name or " at " in name:
        parsed, address = parse_author(name, repairs)
        if address:
            return parsed, address
    return name, email


def _without_unknown_charset(value: str, repairs: list[str]) -> str:
    value = " ".join(value.split())
    if value.startswith(_UNKNOWN_CHARSET):
        repairs.append("hypermail's '(unknown charset)' prefix removed")
        value = value[len(_UNKNOWN_CHARSET):]
    return value


def _message_id(value: str | None, repairs: list[str]) -> str | None:
    """A bare id with hypermail's `_at_` (and `-` turned en dash) undone."""
    mid = normalize_message_id(value)
    if mid is None:
        return None
    if "@" not in mid and "_at_" in mid:
        local, _, host = mid.rpartition("_at_")
        mid = f"{local}@{host}"
        repairs.append("hypermail's '_at_' in a message id restored to '@'")
    if _EN_DASH in mid:
        mid = mid.replace(_EN_DASH, "-")
        repairs.append("hypermail's en dash in a message id restored to '-'")
    return mid


def _date_candidates(meta: dict[str, str]):
    yield "sent", meta.get("sent") or None
    yield "isosent", _iso_as_rfc(meta.get("isosent"))
    yield "received", meta.get("received") or None


def _iso_as_rfc(value: str | None) -> str | None:
    """Hypermail's UTC `20141126165250` in the form `parse_date` reads."""
    try:
        date = datetime.strptime((value or "").strip(), "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return date.strftime("%d %b %Y %H:%M:%S +0000")
