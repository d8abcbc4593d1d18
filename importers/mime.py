"""Message bodies: lying charsets, transfer encodings, the text part to keep,
and `format=flowed` (RFC 3676) soft line breaks undone.

Declared charsets are a hint, not a fact: bytes are tried against the declared
charset, then UTF-8, then Windows-1252, then Latin-1 (which never fails), and any
replacement is recorded as a repair.
"""

from __future__ import annotations

import binascii
import codecs
import html
import logging
import re
from email.errors import InvalidBase64LengthDefect
from email.message import Message
from functools import lru_cache

logger = logging.getLogger(__name__)

FALLBACK_CHARSETS = ("utf-8", "cp1252", "latin-1")
# Labels that say "no idea" rather than naming a charset.
_NO_CHARSET = frozenset({"unknown-8bit", "x-unknown", "unknown", "8bit", "default"})
# Types that are never shown as text even when a message is nothing else.
_BINARY_MAINTYPES = frozenset({"image", "audio", "video", "application", "model"})
_CHARSET_PARAM = re.compile(r"""charset\*?\s*=\s*["']?\s*([^"';\s]+)""", re.I)
_FLOWED = re.compile(r"""(?:^|;)\s*format\s*=\s*["']?flowed\b""")
_DELSP = re.compile(r"""(?:^|;)\s*delsp\s*=\s*["']?yes\b""")
_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/]")
# Every pattern here stays linear on broken markup (1 MB of "<" or of unclosed
# "<script>"): no match may rescan the rest of the text from each "<".
_HTML_DROP_START = re.compile(r"<(script|style|head|title)\b", re.I)
_HTML_BREAK = re.compile(
    r"<\s*(?:br|/?p|/?div|/?li|/?tr|/?h[1-6]|/?blockquote|/?pre|/?table)\b[^<>]*>",
    re.I,
)
_HTML_TAG = re.compile(r"<[^<>]*>")
_BLANK_RUNS = re.compile(r"\n[ \t\xa0]*(?:\n[ \t\xa0]*){2,}")
_SURROGATE = re.compile("[\ud800-\udfff]")


@lru_cache(maxsize=256)
def codec_name(charset: str | None) -> str | None:
    """The Python codec for a declared charset, or None when it names no codec."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower().split("*", 1)[0]
    if name in _NO_CHARSET:
        return None
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> tuple[str, str | None]:
    """Decode bytes with the declared charset, else the fallbacks: (text, repair).

    The repair is None when the declared charset worked (or nothing was declared
    and the bytes are ASCII or UTF-8).
    """
    codec = codec_name(charset)
    if data.isascii():
        return data.decode("ascii"), _unknown_charset(charset, codec)
    if codec:
        try:
            text = data.decode(codec)
        except (ValueError, LookupError):  # "undefined" raises a bare UnicodeError
            pass
        else:  # unicode-escape and utf-7 turn "\ud800" into a lone surrogate
            if not _SURROGATE.search(text):
                return text, None
    for fallback in FALLBACK_CHARSETS:
        try:
            text = data.decode(fallback)
        except UnicodeDecodeError:
            continue
        return text, _charset_repair(charset, fallback)
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover


def _unknown_charset(charset: str | None, codec: str | None) -> str | None:
    if codec or not charset or charset.strip().lower() in _NO_CHARSET:
        return None
    return f"charset {charset.strip()} replaced by utf-8"


def _charset_repair(declared: str | None, used: str) -> str | None:
    if not declared:
        return None if used == "utf-8" else f"undeclared 8-bit text read as {used}"
    return f"charset {declared.strip()} replaced by {used}"


def part_text(part: Message, repairs: list[str]) -> str:
    """The decoded text of one non-multipart part, with CRLF turned into LF.

    `get_payload(decode=True)` undoes the transfer encoding named by the
    Content-Transfer-Encoding header (never by Content-Type parameters) and hands
    back the original bytes, which are then decoded here, charset fallbacks and
    all; base64 damage is recorded by `email` as defects.
    """
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    if any(isinstance(d, InvalidBase64LengthDefect) for d in part.defects):
        data = _base64_prefix(part, data, repairs)
    text, repair = decode_bytes(data, _charset_of(part))
    if repair:
        repairs.append(repair)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    flowed = flowed_param(part.get("content-type"))
    return text if flowed is None else decode_flowed(text, delsp=flowed)


def _base64_prefix(part: Message, fallback: bytes, repairs: list[str]) -> bytes:
    """What decodes of a cut base64 body (email gives the encoded text back)."""
    raw = part.get_payload()
    if not isinstance(raw, str) or not raw.isascii():
        return fallback
    data = _NOT_BASE64.sub("", raw)
    try:
        decoded = binascii.a2b_base64(data[: len(data) - len(data) % 4])
    except binascii.Error:
        return fallback
    repairs.append("truncated base64 body: the readable part kept")
    return decoded


def _charset_of(part: Message) -> str | None:
    return charset_param(part.get("content-type"))


def charset_param(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type value, found without full parsing.

    Much faster than `get_content_charset()`, and indifferent to the bogus extra
    parameters some exporters add (`Content-Transfer-Encoding="base64"`).
    """
    if not content_type:
        return None
    match = _CHARSET_PARAM.search(str(content_type))
    return match.group(1).lower() if match else None


def flowed_param(content_type: str | None) -> bool | None:
    """None unless a text/plain Content-Type says `format=flowed`; then
    whether it says `delsp=yes` too (RFC 3676)."""
    if not content_type or "flowed" not in (value := str(content_type).lower()):
        return None
    if not value.lstrip().startswith("text/plain") or not _FLOWED.search(value):
        return None
    return _DELSP.search(value) is not None


def decode_flowed(text: str, delsp: bool = False) -> str:
    """RFC 3676 text as its sender's lines: soft breaks undone, stuffing removed.

    A line ending in a space is continued by the next line of the same quote
    depth (without the space with DelSp=yes); one space after the quote
    marks, or at the start of an unquoted line, is stuffing.  Quoted lines
    come back as `>> text`; the signature separator `-- ` stays as it is, and
    so does a blank line after a flowed one (the RFC would take it into the
    paragraph, losing the gap a careless sender meant).  Lines that are not
    flowed are kept, so plain text is left as it was.
    """
    lines: list[str] = []
    joined, joined_depth = None, 0  # the paragraph being joined, and its depth
    for line in text.split("\n"):
        content = line.lstrip(">")
        depth = len(line) - len(content)
        if content[:1] == " ":
            content = content[1:]
        signature = content == "-- "
        if joined is not None and (depth != joined_depth or signature or not content):
            lines.append(_quoted(joined_depth, joined))  # the paragraph ends here
            joined = None
        flowed = content.endswith(" ") and not signature
        if flowed and delsp:
            content = content[:-1]
        if joined is not None:
            content = joined + content
        if flowed:
            joined, joined_depth = content, depth
        else:
            lines.append(content if signature else _quoted(depth, content))
            joined = None
    if joined is not None:
        lines.append(_quoted(joined_depth, joined))
    return "\n".join(lines)


def _quoted(depth: int, content: str) -> str:
    content = content.rstrip(" ")
    if not depth:
        return content
    return ">" * depth + (" " + content if content else "")


def extract_body(msg: Message, repairs: list[str]) -> tuple[str, str | None]:
    """(body_text, body_html): inline text/plain parts, else the first HTML part.

    When only HTML exists, body_text is a plain rendering of it for search and
    previews; the HTML itself is kept for the sanitising renderer.
    """
    if not msg.is_multipart():
        return _single_part(msg, repairs)
    plain: list[str] = []
    html_part: Message | None = None
    for part in msg.walk():
        if part.is_multipart() or _is_attachment(part):
            continue
        ctype = part.get_content_type()
        if ctype == "text/html":
            html_part = html_part or part
        elif ctype.startswith("text/"):
            plain.append(part_text(part, repairs))
    if plain:
        return "\n\n".join(t.strip("\n") for t in plain if t.strip()) + "\n", None
    if html_part is not None:
        markup = part_text(html_part, repairs)
        return html_to_text(markup), markup
    return "", None


def _single_part(msg: Message, repairs: list[str]) -> tuple[str, str | None]:
    ctype = msg.get_content_type()
    if ctype == "text/html":
        markup = part_text(msg, repairs)
        return html_to_text(markup), markup
    maintype = ctype.partition("/")[0]
    if maintype in _BINARY_MAINTYPES:
        repairs.append(f"{ctype} body not shown")
        return "", None
    if maintype != "text" and "content-type" in msg:
        repairs.append(f"content type {ctype} read as text/plain")
    return part_text(msg, repairs), None


def _is_attachment(part: Message) -> bool:
    disposition = part.get("content-disposition")
    return bool(disposition) and str(disposition).lstrip().lower().startswith(
        "attachment"
    )


def html_to_text(markup: str) -> str:
    """A plain rendering of HTML for search and previews (never shown as HTML)."""
    text = _without_elements(markup)
    text = _HTML_BREAK.sub("\n", text)
    text = html.unescape(_HTML_TAG.sub("", _without_comments(text)))
    text = _BLANK_RUNS.sub("\n\n", text.replace("\r\n", "\n"))
    lines = (line.rstrip() for line in text.split("\n"))
    return "\n".join(lines).strip("\n") + "\n"


def _without_elements(markup: str) -> str:
    """Markup without its script, style, head and title elements (closed ones)."""
    parts: list[str] = []
    pos = 0
    unclosed: set[str] = set()  # no end tag after one start: none after later ones
    for start in _HTML_DROP_START.finditer(markup):
        name = start.group(1).lower()
        if start.start() < pos or name in unclosed:
            continue
        end = re.compile(rf"</{name}\s*>", re.I).search(markup, start.end())
        if end is None:
            unclosed.add(name)
            continue
        parts.append(markup[pos:start.start()])
        pos = end.end()
    parts.append(markup[pos:])
    return "".join(parts)


def _without_comments(markup: str) -> str:
    """Markup without closed `<!-- -->` comments, found in one pass."""
    parts: list[str] = []
    pos = 0
    while (start := markup.find("<!--", pos)) >= 0:
        end = markup.find("-->", start + 4)
        if end < 0:
            break
        parts.append(markup[pos:start])
        pos = end + 3
    parts.append(markup[pos:])
    return "".join(parts)
