"""Header values: RFC 2047 words, 8-bit bytes, message ids and author addresses.

Values arrive as compat32 keeps them: folded, with 8-bit bytes as surrogate
escapes and RFC 2047 words still encoded.  Every repair is appended to the
caller's `repairs` list.
"""

from __future__ import annotations

import logging
import re
from email.errors import HeaderParseError
from email.header import decode_header
from email.utils import parseaddr

from importers.mime import decode_bytes

logger = logging.getLogger(__name__)

_FOLD = re.compile(r"\r?\n[ \t]*")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[qQbB]\?[^?]*\?=")
_ID_TOKEN = re.compile(r"<([^<>]*@[^<>]*)>")
_OBFUSCATED_AT = re.compile(r"([\w.+=-]+) at ([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# Pipermail's "siopis at umich.edu (Christos Siopis <siopis@umich.edu>)".
_AT_LEADING = re.compile(r"^\s*([\w.+=-]+) at ([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_DOUBLED_DOMAIN = re.compile(r"(?<![^\s<(])([^\s@<>()]+@([^\s@<>()]+))@\2(?=[\s>)]|$)")
_BARE_ADDRESS = re.compile(r"[^\s<>()]+@[^\s<>()]+")
_ANGLE_ADDRESS = re.compile(r"<[^<>]*@[^<>]*>")
_COMMENT = re.compile(r"\(([^()]*)\)")
# `Name <user@host>`, `"Name" <user@host>` or `user@host`: most From headers,
# read without the (slow) general address parser.
_SIMPLE_ADDRESS = re.compile(
    r'\s*(?:"([^"\\]*)"|([^"<>()\[\],;:\\@]*?))\s*'
    r"<?([^\s<>()\[\]\",;:\\@]+@[^\s<>()\[\]\",;:\\@]+)>?\s*$"
)


def decode_header_text(
    value: str,
    hint: str | None = None,
    repairs: list[str] | None = None,
    words: bool = True,
) -> str:
    """Unfold a raw header value and decode 8-bit bytes and RFC 2047 words.

    8-bit bytes (which compat32 keeps as surrogate escapes) are read with the
    message's declared charset, then UTF-8, Windows-1252, Latin-1.
    """
    repairs = repairs if repairs is not None else []
    if "\n" in value:
        value = _FOLD.sub(" ", value)
    if not value.isascii():
        raw = value.encode("ascii", "surrogateescape")
        value, repair = decode_bytes(raw, hint)
        if repair:
            repairs.append(f"header: {repair}")
    if words and "=?" in value:
        value = decode_words(value, repairs)
    return value.strip()


def decode_words(value: str, repairs: list[str]) -> str:
    """Decode RFC 2047 encoded words, dropping the blanks between adjacent words."""
    out: list[str] = []
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[pos:match.start()]
        if not (out and between.isspace()):
            out.append(between)
        out.append(_decode_word(match.group(0), repairs))
        pos = match.end()
    out.append(value[pos:])
    return "".join(out)


def _decode_word(word: str, repairs: list[str]) -> str:
    try:
        [(data, charset)] = decode_header(word)
    except (HeaderParseError, ValueError, AssertionError):
        repairs.append(f"undecodable encoded word {word[:40]!r} kept")
        return word
    if isinstance(data, str):
        return data
    if not data:
        repairs.append(f"empty or undecodable encoded word {word[:40]!r} kept")
        return word
    text, repair = decode_bytes(data, charset or "us-ascii")
    if repair:
        repairs.append(f"header: {repair}")
    return text.replace("\r", " ").replace("\n", " ")


def normalize_message_id(value: str | None) -> str | None:
    """A bare message id (no brackets or blanks), or None when there is none."""
    if not value:
        return None
    match = _ID_TOKEN.search(value)
    token = match.group(1) if match else value
    token = "".join(token.split()).strip("<>")
    return token or None


def extract_ids(value: str | None) -> list[str]:
    """Every `<...@...>` token in a header, in order, without repeats.

    Tolerates prose around the ids (old In-Reply-To headers read "your message
    of <date> <id>") and drops truncated tokens such as `<abc@example`.
    """
    if not value:
        return []
    ids: list[str] = []
    for token in _ID_TOKEN.findall(value):
        token = "".join(token.split())
        if token not in ids:
            ids.append(token)
    return ids


def in_reply_to(value: str | None, repairs: list[str]) -> str | None:
    """The parent id from an In-Reply-To value: the first `<id>`, or a bare id."""
    if not value or not value.strip():
        return None
    ids = extract_ids(value)
    if ids and not value.lstrip().startswith("<"):
        repairs.append("message id taken from prose in In-Reply-To")
    ids = ids or _bare_id(value)
    if not ids:
        repairs.append(f"In-Reply-To without a usable id ignored: {value[:60]!r}")
        return None
    return ids[0]


def _bare_id(value: str) -> list[str]:
    """A lone `id@host` without brackets (LISTSERV exports); never a cut `<id@ho`."""
    token = value.strip()
    if "@" in token and not token.startswith("<") and len(token.split()) == 1:
        return [token.rstrip(">")]
    return []


def parse_author(
    value: str, repairs: list[str] | None = None
) -> tuple[str, str | None]:
    """(name, address) from a From value, repairing what archives do to it.

    Handles `jjl at pobox.com (Name)` (pipermail), `Name user@host` without
    brackets (LISTSERV), `user@host@host` (old gateways), bang paths and bare
    comments (`(Rashid)`).  RFC 2047 words are decoded after the address is split
    off, so an encoded name holding `<` or `,` cannot confuse the parser.
    """
    repairs = repairs if repairs is not None else []
    value = _restore_at(value, repairs)
    simple = _SIMPLE_ADDRESS.match(value)
    if simple:
        name, address = simple.group(1) or simple.group(2) or "", simple.group(3)
    else:
        name, address = _general_address(value, repairs)
    if "@" not in address:
        return _clean_name(name or _without_address(value), repairs), None
    return _clean_name(name, repairs), address


def _restore_at(value: str, repairs: list[str]) -> str:
    pattern = _AT_LEADING if "@" in value else _OBFUSCATED_AT
    value, count = pattern.subn(r"\1@\2", value, count=1)
    if count:
        repairs.append("address 'user at host' restored")
    return value


def _general_address(value: str, repairs: list[str]) -> tuple[str, str]:
    fixed, count = _DOUBLED_DOMAIN.subn(r"\1", value)
    if count:
        repairs.append("address with a doubled domain repaired")
    name, address = parseaddr(fixed)
    if "@" not in address and _BARE_ADDRESS.search(fixed):
        return _split_bare_address(fixed)
    return name, address


def _split_bare_address(value: str) -> tuple[str, str]:
    """`Name user@host` without brackets: (name, address)."""
    words = _COMMENT.sub(" ", value).split()
    found = [word.strip("<>") for word in words if "@" in word]
    if len(found) != 1:
        return "", ""
    return " ".join(word for word in words if "@" not in word), found[0]


def _without_address(value: str) -> str:
    """The readable part of a From with no usable address (bang paths, bare names)."""
    comment = _COMMENT.search(value)
    if comment and comment.group(1).strip():
        return comment.group(1)
    return _COMMENT.sub(" ", value)


def _clean_name(name: str, repairs: list[str]) -> str:
    if "=?" in name:
        name = decode_words(name, repairs)
    if "<" in name:
        name = _ANGLE_ADDRESS.sub(" ", name)
    return " ".join(name.split()).strip("\"' ")
