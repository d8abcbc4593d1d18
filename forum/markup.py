"""The only module that turns stored post bodies into HTML.

Plain text is escaped, never sanitised: an HTML sanitiser would eat
`Name <addr> wrote:`.  Quotes, signatures, "Original Message" tails and
uuencoded binaries are folded into `<details>` so a page works without
JavaScript.  Every e-mail address is masked Google Groups style before any
HTML is made, so no renderer can leak one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape

import nh3
from linkify_it import LinkifyIt
from markupsafe import Markup, escape

# Quotes of up to this many lines stay open: a fold would cost more than it hides.
OPEN_QUOTE_MAX_LINES = 3
LINK_REL = "nofollow noopener ugc"
LINK_SCHEMES = frozenset({"http:", "https:", "ftp:"})

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "dd", "del", "div",
    "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins",
    "kbd", "li", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strike",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "tt", "u", "ul", "var",
})
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "ftp"})
# Removed together with their content, not just unwrapped.
STRIPPED_CONTENT_TAGS = frozenset({"script", "style", "title", "noscript"})

_LOCAL_CHAR = r"[\w.%+!#$&'*^`{|}~-]"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_TLD = r"(?:[a-z]{2,}|[A-Z]{2,})(?![A-Za-z0-9-])"
_BRACKETED = r"\s*[(\[{<]\s*WORD\s*[)\]}>]\s*"
_AT_WORD = rf"(?:{_BRACKETED.replace('WORD', '(?i:at)')}|\s+(?i:at)\s+|_at_|-at-)"
_DOT_WORD = rf"(?:{_BRACKETED.replace('WORD', '(?i:dot)')}|\s+(?i:dot)\s+)"
_AT = r"(?:@|%40)"
# Everything before the last `@` of a chain is the local part: in
# `jdmooney@kocrsv01@delco.com` (user@host@domain, common in old signatures)
# masking only the first part would leave `kocrsv01@delco.com` whole.
# Matches start only where a chain starts: trying every position inside a long
# run, or after every `@` of a chain, would make masking quadratic.
_ADDRESS_RE = re.compile(
    rf"(?<!{_LOCAL_CHAR})(?<!{_LOCAL_CHAR}@)"
    rf"(?P<local>{_LOCAL_CHAR}+(?:@{_LOCAL_CHAR}+)*)"
    rf"(?P<at>{_AT})(?P<domain>{_LABEL}(?:\.{_LABEL})*)"
)
# `user at host.com`, `user (at) host (dot) com`, `user_at_host.com`.
_OBFUSCATED_RE = re.compile(
    rf"(?<![\w.@%+-])(?P<local>[A-Za-z0-9._%+-]+)(?P<at>{_AT_WORD})"
    rf"(?P<domain>{_LABEL}(?:(?:\.|{_DOT_WORD}){_LABEL})*(?:\.|{_DOT_WORD}){_TLD})"
)
_DOT_WORD_RE = re.compile(_DOT_WORD)
# "the FAQ is at rtfm.mit.edu" is prose, not an address: a bare " at " with
# plain dots is masked unless the word before it or the host says otherwise.
_PROSE_BEFORE_AT = frozenset("""
    a an and anonymous archive archived are available be been copy copies does
    faq file files find found get here is it just kept located look looking me
    mirror mirrored now online one posted site sites stored that them there
    this up us was were which
""".split())
_PROSE_HOST_PREFIXES = ("www.", "ftp.", "news.", "http", "gopher.")
_QUOTE_RE = re.compile(r"^[ \t]?(?:>|:(?=[\s>:]|$))")
_ORIGINAL_RE = re.compile(r"^\s*-{3,}\s*Original Message\s*-{3,}\s*$", re.IGNORECASE)
_SIGNATURE_LINES = ("-- ", "--")
_UU_BEGIN_RE = re.compile(r"^begin [0-7]{3,4} (?P<name>\S.*)$")
_UU_LINE_RE = re.compile(r"^[ -`]{1,62}$")

_linkify = LinkifyIt(options={"fuzzy_email": False, "fuzzy_link": True})
_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(STRIPPED_CONTENT_TAGS),
    attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(ALLOWED_URL_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
)


@dataclass(slots=True)
class Block:
    """A run of body lines rendered one way: text, quote, signature, tail, binary."""

    kind: str
    lines: list[str]
    name: str = ""


def mask_local(local: str) -> str:
    """The shown part of a local part: up to 3 characters, never all of it."""
    if local.endswith("..."):
        return local  # already masked: masking twice must change nothing
    keep = max(1, min(3, len(local) - 1))
    return local[:keep] + "..."


def mask_email(addr: str | None) -> str | None:
    """Mask one address: `thai@sympatico.ca` -> `tha...@sympatico.ca`."""
    if not addr:
        return addr
    local, at, domain = addr.rpartition("@")
    if not at:
        return mask_addresses(addr)
    return f"{mask_local(local)}@{domain}"


def mask_addresses(text: str | None) -> str:
    """Mask every address in `text`, including `user at host dot com` forms."""
    if not text:
        return ""
    text = _ADDRESS_RE.sub(_mask_match, text)
    return _OBFUSCATED_RE.sub(_mask_obfuscated, text)


def _mask_match(match: re.Match) -> str:
    return mask_local(match["local"]) + match["at"] + match["domain"]


def _mask_obfuscated(match: re.Match) -> str:
    if match["at"].strip().lower() == "at" and not _DOT_WORD_RE.search(match[0]):
        prose_word = match["local"].lower() in _PROSE_BEFORE_AT
        if prose_word or match["domain"].lower().startswith(_PROSE_HOST_PREFIXES):
            return match[0]
    return _mask_match(match)


def render_body(text: str | None) -> Markup:
    """Plain-text body -> fixed-width HTML with folds, links and masked addresses."""
    lines = mask_addresses(text or "").replace("\r\n", "\n").replace("\r", "\n")
    parts = [_render_block(block) for block in split_blocks(lines.split("\n"))]
    return Markup('<div class="body-text">{}</div>').format(Markup("").join(parts))


def render_post_body(body_text: str | None, body_html: str | None = None) -> Markup:
    """Render a stored post: the text part when there is one, else its HTML."""
    if (body_text or "").strip() or not body_html:
        return render_body(body_text)
    return sanitize_html(body_html)


def sanitize_html(html: str | None) -> Markup:
    """Clean HTML from a web-forum source with the allowlist, then mask addresses."""
    cleaned = mask_addresses(_cleaner.clean(html or ""))
    return Markup('<div class="body-html">{}</div>').format(Markup(cleaned))


def split_blocks(lines: list[str]) -> list[Block]:
    """Cut body lines into text, quote, signature, tail and binary blocks."""
    lines = _trim_blank(lines)
    tail_at = _find(lines, lambda line: bool(_ORIGINAL_RE.match(line)))
    head, tail = lines[:tail_at], lines[tail_at:]
    sig_at = _find(head, lambda line: line in _SIGNATURE_LINES)
    blocks = list(_body_blocks(head[:sig_at]))
    if sig_at < len(head):
        blocks.append(Block("signature", _trim_blank(head[sig_at + 1:])))
    if tail:
        blocks.append(Block("tail", tail))
    return [block for block in blocks if block.lines or block.kind == "binary"]


def _find(lines: list[str], test) -> int:
    """Index of the first unquoted line passing `test`, or len(lines)."""
    for index, line in enumerate(lines):
        if not _QUOTE_RE.match(line) and test(line):
            return index
    return len(lines)


def _trim_blank(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _body_blocks(lines: list[str]) -> Iterator[Block]:
    quoted = _quote_flags(lines)
    index = 0
    while index < len(lines):
        begin = _UU_BEGIN_RE.match(lines[index])
        if begin:
            end = _uuencoded_end(lines, index + 1)
            yield Block("binary", lines[index + 1:end], begin["name"])
        else:
            end = _run_end(lines, quoted, index)
            yield Block("quote" if quoted[index] else "text", lines[index:end])
        index = end


def _quote_flags(lines: list[str]) -> list[bool]:
    """Which lines are quoted; blank lines between two quoted lines count too."""
    flags = [bool(_QUOTE_RE.match(line)) for line in lines]
    after = [False] * len(lines)
    following = False
    for index in range(len(lines) - 1, -1, -1):
        after[index] = following
        if lines[index].strip():
            following = flags[index]
    preceding = False
    for index, line in enumerate(lines):
        if line.strip():
            preceding = flags[index]
        elif preceding and after[index]:
            flags[index] = True
    return flags


def _uuencoded_end(lines: list[str], start: int) -> int:
    """Index just past the uuencoded data (and its `end` line) from `start`."""
    index = start
    while index < len(lines) and lines[index] != "end":
        if not _UU_LINE_RE.match(lines[index]):
            return index
        index += 1
    return min(index + 1, len(lines))


def _run_end(lines: list[str], quoted: list[bool], start: int) -> int:
    """End of the run of lines quoted (or not) like the one at `start`."""
    index = start + 1
    while index < len(lines) and quoted[index] == quoted[start]:
        if _UU_BEGIN_RE.match(lines[index]):
            break
        index += 1
    return index


def _render_block(block: Block) -> Markup:
    if block.kind == "binary":
        return _render_binary(block)
    inner = Markup('<div class="{}">{}</div>').format(
        block.kind, _render_lines(block.lines)
    )
    if block.kind == "text":
        return inner
    if block.kind == "quote" and len(block.lines) <= OPEN_QUOTE_MAX_LINES:
        return inner
    return Markup('<details class="fold-{}"><summary>{}</summary>{}</details>').format(
        block.kind, _summary(block), inner
    )


def _summary(block: Block) -> str:
    if block.kind == "signature":
        return "signature"
    noun = "quoted line" if len(block.lines) == 1 else "quoted lines"
    if block.kind == "tail":
        return f"{len(block.lines)} {noun} (original message)"
    return f"{len(block.lines)} {noun}"


def _render_binary(block: Block) -> Markup:
    return Markup(
        '<details class="fold-binary"><summary>binary attachment (uuencoded) '
        'omitted: {}</summary><p class="note">{} lines of uuencoded data are kept '
        "in the original source but not shown here.</p></details>"
    ).format(block.name, len(block.lines))


def _render_lines(lines: list[str]) -> Markup:
    html = linkify("\n".join(lines))
    # A trailing newline in a pre-wrap block adds no line box: double it.
    return html + Markup("\n") if lines and not lines[-1].strip() else html


def linkify(text: str) -> Markup:
    """Escape `text` and link http, https, ftp and www. URLs (rel=nofollow)."""
    if not _may_hold_link(text):
        return escape(text)  # linkify-it's scan is most of a body's render time
    parts: list[Markup] = []
    position = 0
    for match in _linkify.match(text) or []:
        if not _is_linkable(match):
            continue
        parts.append(escape(text[position:match.index]))
        link = Markup('<a href="{}" rel="{}">{}</a>')
        parts.append(link.format(match.url, LINK_REL, match.text))
        position = match.last_index
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def _may_hold_link(text: str) -> bool:
    """False when no link `_is_linkable` accepts can be in `text`."""
    return "://" in text or "www." in text.lower()


def _is_linkable(match) -> bool:
    if match.schema:
        return match.schema.lower() in LINK_SCHEMES
    return match.text.lower().startswith("www.")


# -- search snippets -------------------------------------------------------------

SNIPPET_WIDTH = 240
ELLIPSIS = "\u2026"
# Where a snippet is looked for, in order: the post's own words come first, so a
# claim quoted from someone else is shown only when the post itself has no match.
_SNIPPET_SOURCES = ((("text",), ""), (("quote", "tail"), "> "), (("signature",), "-- "))
_QUOTE_MARKS = ">:| \t"
# Characters masked on each side of a snippet: more than any address is long.
_SNIPPET_MARGIN = 160


def post_plain_text(body_text: str | None, body_html: str | None = None) -> str:
    """A stored post as plain text: its text part, else its HTML without tags."""
    if (body_text or "").strip() or not body_html:
        return body_text or ""
    return unescape(nh3.clean(body_html, tags=set()))


def snippet_text(text: str | None, words: list[str],
                 width: int = SNIPPET_WIDTH) -> str:
    """About `width` characters of `text` round the first of `words`, masked.

    Whitespace is collapsed; an excerpt from quoted lines starts with "> ".
    With no match the excerpt is the start of the post's own words.
    """
    blocks = split_blocks((text or "").splitlines())
    pattern = words_pattern(words)
    sources = [(_flatten(blocks, kinds), mark) for kinds, mark in _SNIPPET_SOURCES]
    for source, mark in sources:
        found = pattern.search(source) if pattern and source else None
        if found:
            return mark + _masked_window(source, found.start(), width, pattern)
    source, mark = next(((s, m) for s, m in sources if s), ("", ""))
    return mark + _masked_window(source, 0, width, None) if source else ""


def _masked_window(source: str, at: int, width: int,
                   pattern: re.Pattern | None) -> str:
    """The window round `at`, with addresses masked.

    Only a margin round the window is masked, not the whole post (masking
    every result's whole body was most of a results page's time).  The
    margin is wider than any address, so none is cut where the window starts
    or ends; `at` is the first match, so it is found again after masking.
    """
    start = max(0, at - width - _SNIPPET_MARGIN)
    masked = mask_addresses(source[start : at + width + _SNIPPET_MARGIN])
    found = pattern.search(masked) if pattern else None
    window = _window(masked, found.start() if found else at - start, width)
    if start > 0 and not window.startswith(ELLIPSIS):
        window = ELLIPSIS + window
    return window


def highlight_snippet(text: str | None, words: list[str],
                      width: int = SNIPPET_WIDTH) -> Markup:
    """An escaped excerpt of `text` (see `snippet_text`) with `words` in <mark>."""
    return highlight_words(snippet_text(text, words, width), words)


def highlight_words(text: str | None, words: list[str]) -> Markup:
    """Mask addresses, escape, and wrap whole-word matches of `words` in <mark>.

    A word ending in `*` marks every word starting with the rest of it.
    """
    text = mask_addresses(text or "")
    pattern = words_pattern(words)
    if pattern is None:
        return escape(text)
    parts: list[Markup] = []
    position = 0
    for found in pattern.finditer(text):
        parts.append(escape(text[position:found.start()]))
        parts.append(Markup("<mark>{}</mark>").format(found[0]))
        position = found.end()
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def words_pattern(words: list[str]) -> re.Pattern | None:
    """A case-insensitive whole-word regex for `words` (`word*` for a prefix)."""
    choices = {
        re.escape(word.rstrip("*")) + (r"\w*" if word.endswith("*") else "")
        for word in words if word.rstrip("*")
    }
    if not choices:
        return None
    longest_first = sorted(choices, key=len, reverse=True)
    return re.compile(rf"(?<!\w)(?:{'|'.join(longest_first)})(?!\w)", re.IGNORECASE)


def _flatten(blocks: list[Block], kinds: tuple[str, ...]) -> str:
    """The lines of blocks of these kinds, quote marks removed, as one line."""
    lines = (line.lstrip(_QUOTE_MARKS) for block in blocks if block.kind in kinds
             for line in block.lines)
    return " ".join(" ".join(lines).split())


def _window(text: str, at: int, width: int) -> str:
    """About `width` characters of `text` showing position `at`, cut at spaces."""
    if len(text) <= width:
        return text
    begin = max(0, min(at - width // 4, len(text) - width))
    if begin > 0:
        space = text.find(" ", begin, at)
        begin = space + 1 if space != -1 else at
    end = begin + width
    if end < len(text):
        space = text.rfind(" ", at + 1, end)
        end = space if space != -1 else end
    head = ELLIPSIS if begin > 0 else ""
    tail = ELLIPSIS if end < len(text) else ""
    return head + text[begin:end].strip() + tail
