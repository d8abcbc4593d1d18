"""The only module that turns stored post bodies into HTML.

Plain text is escaped, never sanitised: an HTML sanitiser would eat
`Name <addr> wrote:`.  Quotes, signatures, "Original Message" tails and
uuencoded binaries are folded into `<details>` so a page works without
JavaScript.  Every e-mail address is masked Google Groups style before any
HTML is made, so no renderer can leak one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape

import nh3
from linkify_it import LinkifyIt
from markupsafe import Markup, escape

from forum.text.article_doc import DocBlock, article_blocks, is_article_id
from forum.text.reflow import reflow

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
# A host label has at most 63 characters (RFC 1035); the bound also keeps the
# expressions linear on a run such as "a-at-a-at-..." (quadratic without it).
# Letters of any script: `sasha@пример.рф` and `jörg at bücher dot de` are addresses.
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
# A top-level domain in one letter case ("com", "COM", "рф"), or one of these in
# title case ("Example.Org"): "noon.Then" or "home.It" in run-on prose is not.
_TITLE_TLDS = ("Com", "Org", "Net", "Edu", "Gov", "Mil", "Int", "Info", "Biz",
               "Uk", "De", "Fr", "Nl", "Ca", "Au", "Jp", "Ch", "Se", "Dk", "Fi",
               "Ru", "Es", "Pl", "Cz", "Nz", "Za", "Br", "Ie", "Il")
_TLD = (rf"(?:[a-z]{{2,}}|[A-Z]{{2,}}|[^\W\d_a-zA-Z]{{2,}}|{'|'.join(_TITLE_TLDS)})"
        r"(?![^\W_]|-)")
# Top-level domains that make a bare `x at y dot tld` an address: "meet at home
# dot the" is prose.  Any two letters (a country) or one of these.
_SPELLED_TLDS = frozenset("""
    com org net edu gov mil int info biz name pro aero coop museum mobi arpa
""".split())
_BRACKETED = r"\s*[(\[{<]\s*WORD\s*[)\]}>]\s*"
_AT_WORD = rf"(?:{_BRACKETED.replace('WORD', '(?i:at)')}|\s+(?i:at)\s+|_at_|-at-)"
_DOT_WORD = rf"(?:{_BRACKETED.replace('WORD', '(?i:dot)')}|\s+(?i:dot)\s+)"
# An IP literal stands for a host name (RFC 5321 address-literal):
# `root@[192.168.1.2]`, `ops@[IPv6:2001:db8::1]`.
_IP_LITERAL = r"\[(?:\d{1,3}(?:\.\d{1,3}){3}|(?i:ipv6):[0-9A-Fa-f:.]{2,45})\]"
# `&#64;` typed into a plain-text post shows as that text, which reads as "@".
_AT = r"(?:@|%40|&#0*64;|&#[xX]0*40;|&commat;)"
# Everything before the last `@` of a chain is the local part: in
# `jdmooney@kocrsv01@delco.com` (user@host@domain, common in old signatures)
# masking only the first part would leave `kocrsv01@delco.com` whole.
# Matches start only where a chain starts: trying every position inside a long
# run, or after every `@` of a chain, would make masking quadratic.
_ADDRESS_RE = re.compile(
    rf"(?<!{_LOCAL_CHAR})(?<!{_LOCAL_CHAR}@)"
    rf"(?P<local>{_LOCAL_CHAR}+(?:@{_LOCAL_CHAR}+)*)"
    rf"(?P<at>{_AT})(?P<domain>{_IP_LITERAL}|{_LABEL}(?:\.{_LABEL})*)"
)
# `user at host.com`, `user (at) host (dot) com`, `user_at_host.com`.
_OBFUSCATED_RE = re.compile(
    rf"(?<![\w.@%+-])(?P<local>[\w.%+-]+)(?P<at>{_AT_WORD})"
    rf"(?P<domain>{_LABEL}(?:(?:\.|{_DOT_WORD}){_LABEL})*(?:\.|{_DOT_WORD}){_TLD})"
)
_DOT_WORD_RE = re.compile(_DOT_WORD)
# The references _AT takes; `&#39;` and the like are no "@".
_AT_REFERENCE_RE = re.compile(r"&#0*64;|&#[xX]0*40;")
# A walk back over a local part is one match on the reversed text (_Walked):
# before an "@" form, address characters and an "@" between two of them
# (user@host@domain) ...
_CHAIN_BACK_RE = re.compile(rf"(?:{_LOCAL_CHAR}|@(?={_LOCAL_CHAR}))*")
# ... before an "at" word, the characters of a `user at host dot com` local part.
_LOCAL_BACK_RE = re.compile(r"[\w.%+-]*")
_BRACKETED_DOT_RE = re.compile(_BRACKETED.replace("WORD", "(?i:dot)"))
# A domain made of numbers alone is a version (`python@3.11`), unless it is an
# IPv4 address (`root@10.0.0.1`).
_VERSION_RE = re.compile(r"\d+(?:\.\d+){0,2}|\d+(?:\.\d+){4,}")
# What any `user at host dot com` form holds, read in the lower-cased text: an
# "at" after a space, a bracket, "_" or "-" and ended by one, then a host label
# and a dot (or "dot").  Starting with a plain "a", the search skips through a
# post ~4x faster than with [aA], and the look-behind drops "that " at once;
# so most posts never run _OBFUSCATED_RE, which tries every word (~8x slower).
_MAY_BE_OBFUSCATED = re.compile(
    r"at(?<=[\s(\[{<_-]at)(?:\s+|\s*[)\]}>]\s*|_|-)[^\W_][\w-]{0,62}"
    r"(?:\.|\s*[(\[{<]?\s*dot\b)")
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
# rn's `|> ` and supercite's initials, `KH> `, quote too (20news, pipermail).
_OTHER_QUOTE_RE = re.compile(r"^(?:\|>|[A-Z][A-Za-z]{0,3}>(?=[\s>|]|$))")
# The marks of a quoted line, with a space after each: depth is their number.
_QUOTE_MARKS_RE = re.compile(
    r"[ \t]?(?:(?:\|>|[A-Z][A-Za-z]{0,3}>(?=[\s>|]|$)|>|:(?=[\s>:]|$))[ \t]?)+")
_MARK_CHARS = (">", ":", "")
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
    if "@" in text or "%40" in text or "&#" in text or "&commat;" in text:
        text = _mask_all_addresses(text)
    return _mask_all_obfuscated(text)


def _mask_all_addresses(text: str) -> str:
    """`_ADDRESS_RE.sub(_mask_match, text)`, tried only where it can match:
    at the start of the chain of address characters before each @ (or %40).

    Each start is tried once and each character walked back over once, so a
    pathological run (`a@-a@-...`) stays linear, as the expression alone was.
    """
    parts, last = [], 0
    walked, tried = _Walked(text, _CHAIN_BACK_RE), -1
    for at in _at_signs(text):
        if at < last:
            continue
        start = walked.back(at)
        if start < last or start == tried:
            continue
        tried = start
        found = _ADDRESS_RE.match(text, start)
        if found is None:
            continue
        parts += [text[last:start], _mask_match(found)]
        last = found.end()
    return "".join(parts) + text[last:] if parts else text


def _at_signs(text: str) -> list[int]:
    """Where each @, %40 and `&#64;`-like reference begins, in order.

    Found with `str.find`, many times faster than an expression scanning
    every character; a reference that is no "@" (`&#39;`) is left out.
    """
    found = []
    for sign in ("@", "%40", "&#", "&commat;"):
        at = text.find(sign)
        while at >= 0:
            if sign != "&#" or _AT_REFERENCE_RE.match(text, at):
                found.append(at)
            at = text.find(sign, at + 1)
    return sorted(found)


class _Walked:
    """Walks back from positions that only move forward, never twice over a run.

    A walk is one match of `step` on the reversed text, in C: a Python loop
    per character was about a third of masking's time in posts full of
    addresses.
    """

    def __init__(self, text: str, step: re.Pattern) -> None:
        self.text, self.step = text, step
        self.origin, self.start = -1, -1

    @functools.cached_property
    def reversed(self) -> str:
        return self.text[::-1]  # most texts are never walked

    def back(self, at: int) -> int:
        """Where the run of characters `step` takes, ending at `at`, begins."""
        size, origin = len(self.reversed), at
        # The walk stops one character past the last origin: the "@" step looks
        # at it, and reaching the origin joins the run walked from there.
        run = self.step.match(self.reversed, size - at, size - self.origin + 1)
        assert run is not None, "a step pattern may match nothing, never fails"
        at = size - run.end()
        if at <= self.origin:
            at = self.start
        self.origin, self.start = origin, at
        return at


def _mask_all_obfuscated(text: str) -> str:
    """`_OBFUSCATED_RE.sub(_mask_obfuscated, text)`, tried only where it can match.

    The expression tries every word of a post (most of masking's cost).  A
    match's local part is the run of address characters just before an "at"
    form, so it is tried only at the start of the run before each "at" that
    _MAY_BE_OBFUSCATED finds, left to right, as `sub` would; each start once.
    """
    parts, last, position, tried = [], 0, 0, -1
    walked, lowered = _Walked(text, _LOCAL_BACK_RE), _lowered(text)
    while hint := _MAY_BE_OBFUSCATED.search(lowered, position):
        position = hint.start() + 1
        start = _run_start(text, hint.start(), walked)
        if start < last or start == tried:
            continue
        tried = start
        found = _OBFUSCATED_RE.match(text, start)
        if found is None:
            continue
        parts += [text[last:start], _mask_obfuscated(found)]
        last = position = found.end()
    return "".join(parts) + text[last:] if parts else text


def _lowered(text: str) -> str:
    """`text` in lower case, each character where it was ("İ" would take two).

    Lower-casing a character never changes whether it is a word character or
    a space (tests/test_markup.py checks every code point), so the hints found
    in the lowered text are those in the text, at the same positions.
    """
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(char if len(char.lower()) > 1 else char.lower() for char in text)


_BRACKETS_BEFORE_AT = frozenset("([{<")  # "_" may begin the local part itself


def _run_start(text: str, at: int, walked: _Walked) -> int:
    """Where the address characters before the "at" form at `at` begin."""
    while at > 0 and (text[at - 1].isspace() or text[at - 1] in _BRACKETS_BEFORE_AT):
        at -= 1
    return walked.back(at)


def _mask_match(match: re.Match) -> str:
    if "@" not in match["local"] and _VERSION_RE.fullmatch(match["domain"]):
        return match[0]  # but `a@b.org@8` is a chain: its local part is masked
    return mask_local(match["local"]) + match["at"] + match["domain"]


def _mask_obfuscated(match: re.Match) -> str:
    if match["at"].strip().lower() == "at":
        if not _DOT_WORD_RE.search(match[0]):
            prose_word = match["local"].lower() in _PROSE_BEFORE_AT
            if prose_word or match["domain"].lower().startswith(_PROSE_HOST_PREFIXES):
                return match[0]
        elif not _BRACKETED_DOT_RE.search(match[0]) and not _spelled_tld(match):
            return match[0]  # "meet at home dot the": prose
    return _mask_match(match)


def _spelled_tld(match: re.Match) -> bool:
    """Whether the last label of a `x at y dot z` match is a likely domain."""
    tld = _DOT_WORD_RE.split(match["domain"])[-1].rsplit(".", 1)[-1].lower()
    return len(tld) == 2 or tld in _SPELLED_TLDS or not tld.isascii()


def render_body(text: str | None) -> Markup:
    """Plain-text body -> HTML with folds, links and masked addresses.

    Prose is reflowed into paragraphs, hand-laid blocks stay fixed-width
    (forum.text.reflow); signatures keep their lines.  Built as escaped strings
    and wrapped once: Markup's own formatting was a third of the time.
    """
    lines = mask_addresses(text or "").replace("\r\n", "\n").replace("\r", "\n")
    parts = [_render_block(block) for block in split_blocks(lines.split("\n"))]
    return Markup(f'<div class="body-text">{"".join(parts)}</div>')


def render_post_body(body_text: str | None, body_html: str | None = None,
                     article: bool = False, heading: int = 3) -> Markup:
    """Render a stored post: the text part when there is one, else its HTML.

    `article`: the text is a web article's, shown as a document (headings,
    lists, tables; forum.text.article_doc) rather than as mail, its headings from
    level `heading` down.
    """
    if (body_text or "").strip() or not body_html:
        return render_article(body_text, heading) if article else render_body(body_text)
    return sanitize_html(body_html)


def render_post(post, heading: int = 3) -> Markup:
    """A stored post's body as every page shows it (and labels anchor to).

    An article's headings start at `heading`: 3 under a thread page's <h2>
    subjects, 2 under the post page's <h1>; the text is the same either way.
    """
    return render_post_body(post.body_text, post.body_html,
                            article=is_article_id(post.message_id), heading=heading)


def render_article(text: str | None, heading: int = 3) -> Markup:
    """A web article's text as a document: headings, paragraphs, lists, tables."""
    text = mask_addresses(text or "")
    parts, previous = [], None
    for block in article_blocks(text):
        parts.append(_render_doc_block(block, previous, heading))
        previous = block
    return Markup(f'<div class="body-text article-text">{"".join(parts)}</div>')


def _render_doc_block(block: DocBlock, previous: DocBlock | None, heading: int) -> str:
    after_heading = previous is not None and previous.kind == "heading"
    if block.kind == "heading":
        level = heading + 1 if after_heading else heading
        return f"<h{level}>{_linked(block.lines[0])}</h{level}>"
    if block.kind in ("list", "ordered"):
        tag = "ul" if block.kind == "list" else "ol"
        items = "".join(f"<li>{_linked(item)}</li>" for item in block.lines)
        return f'<{tag} class="items">{items}</{tag}>'
    if block.kind == "table":
        caption = previous.lines[0] if previous is not None and after_heading \
            else "Table"
        return _render_table(block, caption)
    if block.kind == "quote":
        lines = "<br>".join(map(_linked, block.lines))
        return f"<blockquote><p>{lines}</p></blockquote>"
    return f"<p>{_linked(block.lines[0])}</p>"


def _render_table(block: DocBlock, name: str) -> str:
    """A table with a header row stacks into labelled cards on a phone
    (reading.css); one without scrolls inside its own focusable box."""
    rows = block.rows
    head = ""
    if block.header:
        cells = "".join(f'<th scope="col">{_linked(cell)}</th>' for cell in rows[0])
        head, rows = f"<thead><tr>{cells}</tr></thead>", rows[1:]
    labels = [f' data-label="{escape(cell)}"' if block.header else ""
              for cell in block.rows[0]]
    body = "".join(
        "<tr>" + "".join(f"<td{label}>{_linked(cell)}</td>"
                         for label, cell in zip(labels, row, strict=True)) + "</tr>"
        for row in rows
    )
    stacks = " stacks" if block.header else ""
    return (f'<div class="table-scroll{stacks}" role="region" '
            f'aria-label="{escape(name)}"{_SCROLLS}><table class="doc-table">'
            f"{head}<tbody>{body}</tbody></table></div>")


def sanitize_html(html: str | None) -> Markup:
    """Clean HTML from a web-forum source with the allowlist, then mask addresses."""
    cleaned = mask_addresses(_cleaner.clean(html or ""))
    return Markup('<div class="body-html">{}</div>').format(Markup(cleaned))


def split_blocks(lines: list[str]) -> list[Block]:
    """Cut body lines into text, quote, signature, tail and binary blocks.

    Runs for every post shown, indexed or scanned, so each line is classified
    once, and a line's first characters decide before any expression runs.
    """
    lines = _trim_blank(lines)
    quoted = [_is_quoted(line) for line in lines]
    tail_at = _first_unquoted(lines, quoted, _is_original)
    head, tail = lines[:tail_at], lines[tail_at:]
    sig_at = _first_unquoted(head, quoted, _SIGNATURE_LINES.__contains__)
    blocks = list(_body_blocks(head[:sig_at], quoted[:sig_at]))
    if sig_at < len(head):
        blocks.append(Block("signature", _trim_blank(head[sig_at + 1:])))
    if tail:
        blocks.append(Block("tail", tail))
    return [block for block in blocks if block.lines or block.kind == "binary"]


def _is_quoted(line: str) -> bool:
    first = line[:1]
    if first == ">":
        return True
    if first in " \t:":
        return bool(_QUOTE_RE.match(line))
    return ">" in line[1:5] and bool(_OTHER_QUOTE_RE.match(line))


def _is_original(line: str) -> bool:
    return "---" in line and bool(_ORIGINAL_RE.match(line))


def _uu_begin(line: str) -> re.Match | None:
    return _UU_BEGIN_RE.match(line) if line.startswith("begin ") else None


def _first_unquoted(lines: list[str], quoted: list[bool], test) -> int:
    """Index of the first unquoted line passing `test`, or len(lines)."""
    for index, line in enumerate(lines):
        if not quoted[index] and test(line):
            return index
    return len(lines)


def _trim_blank(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _body_blocks(lines: list[str], quoted: list[bool]) -> Iterator[Block]:
    quoted = _bridge_blank_lines(lines, quoted)
    index = 0
    while index < len(lines):
        begin = _uu_begin(lines[index])
        if begin:
            end = _uuencoded_end(lines, index + 1)
            yield Block("binary", lines[index + 1:end], begin["name"])
        else:
            end = _run_end(lines, quoted, index)
            yield Block("quote" if quoted[index] else "text", lines[index:end])
        index = end


def _bridge_blank_lines(lines: list[str], quoted: list[bool]) -> list[bool]:
    """Blank lines between two quoted lines count as quoted too."""
    if True not in quoted:
        return quoted
    flags = list(quoted)
    preceding, blanks = False, []  # the last non-blank line's flag; blanks since
    for index, line in enumerate(lines):
        if not line or line.isspace():
            blanks.append(index)
            continue
        if preceding and flags[index]:
            for blank in blanks:
                flags[blank] = True
        preceding, blanks = flags[index], []
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
        if _uu_begin(lines[index]):
            break
        index += 1
    return index


def _render_block(block: Block) -> str:
    if block.kind == "binary":
        return str(_render_binary(block))
    rendered = _BLOCK_RENDERERS[block.kind](block.lines)
    scrolls = _SCROLLS if block.kind == "signature" else ""
    inner = f'<div class="{block.kind}"{scrolls}>{rendered}</div>'
    if block.kind == "text":
        return inner
    if block.kind == "quote" and len(block.lines) <= OPEN_QUOTE_MAX_LINES:
        return inner
    return (f'<details class="fold-{block.kind}"><summary>{escape(_summary(block))}'
            f"</summary>{inner}</details>")


def _render_text(lines: list[str]) -> str:
    """Prose as paragraphs and lists, hand-laid lines as they are
    (forum.text.reflow)."""
    # Most blocks hold no link: then each piece is only escaped.
    shown = linkify if _may_hold_link("\n".join(lines)) else escape
    parts = []
    for segment in reflow(lines):
        if segment.kind == "fixed":
            fixed = shown("\n".join(segment.lines))
            parts.append(f'<pre class="fixed"{_SCROLLS}>{fixed}</pre>')
        elif segment.kind == "list":
            items = "".join(f"<li>{shown(item)}</li>" for item in segment.lines)
            parts.append(f'<ul class="items">{items}</ul>')
        else:
            parts.append(f'<p>{"<br>".join(map(shown, segment.lines))}</p>')
    return "".join(parts)


def _linked(text: str) -> str:
    return str(linkify(text))


def _render_quote(lines: list[str]) -> str:
    """Quoted lines without their marks, reflowed; deeper levels nested."""
    parts = []
    depth = 1
    for level, content in _quote_levels(lines):
        parts.append("<blockquote>" * (level - depth)
                     + "</blockquote>" * (depth - level))
        # Marks gone, words from two lines meet (`joe` / `> at x dot com`):
        # so the text is masked again.
        parts.append(_render_text(mask_addresses("\n".join(content)).split("\n")))
        depth = level
    parts.append("</blockquote>" * (depth - 1))
    return "".join(parts)


def _quote_levels(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Runs of quoted lines of one depth, as (depth, lines without the marks).

    A line of marks alone is a blank line of the run it is in.
    """
    levels: list[tuple[int, list[str]]] = []
    for line in lines:
        if line[:2] == "> " and line[2:3] not in _MARK_CHARS:
            depth, content = 1, line[2:]  # the commonest quote, decided at once
        elif marks := _QUOTE_MARKS_RE.match(line):
            depth = marks[0].count(">") + marks[0].count(":")
            content = line[marks.end():]
        else:
            depth, content = 0, line
        if not content.strip() and levels:
            levels[-1][1].append("")
        elif not levels or depth != levels[-1][0]:
            levels.append((max(depth, 1), [content]))
        else:
            levels[-1][1].append(content)
    return levels


def _render_tail(lines: list[str]) -> str:
    """An "Original Message" tail: its own text and quotes, each as above."""
    parts, start = [], 0
    while start < len(lines):
        quoted = _is_quoted(lines[start])
        end = start + 1
        while end < len(lines) and (_is_quoted(lines[end]) == quoted
                                    or not lines[end].strip()):
            end += 1
        if quoted:
            parts.append(f"<blockquote>{_render_quote(lines[start:end])}</blockquote>")
        else:
            parts.append(_render_text(lines[start:end]))
        start = end
    return "".join(parts)


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


def _render_lines(lines: list[str]) -> str:
    """Lines as written (a signature), for a block styled to keep them."""
    return _linked("\n".join(lines))


# A fixed-width block scrolls sideways inside its own box on a narrow screen:
# it takes focus, so a keyboard can scroll it too.
_SCROLLS = ' tabindex="0"'
_BLOCK_RENDERERS = {"text": _render_text, "quote": _render_quote,
                    "tail": _render_tail, "signature": _render_lines}


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


def as_posted_text(body_text: str | None, body_html: str | None = None) -> str:
    """A post's text line for line with every address masked: what readers may
    take away (as-posted.txt, mbox exports), never the stored source bytes."""
    return mask_addresses(post_plain_text(body_text, body_html))


def snippet_text(text: str | None, words: list[str],
                 width: int = SNIPPET_WIDTH) -> str:
    """About `width` characters of `text` round the first of `words`, masked.

    Whitespace is collapsed; an excerpt from quoted lines starts with "> ".
    With no match the excerpt is the start of the post's own words.
    """
    blocks = split_blocks((text or "").splitlines())
    pattern = words_pattern(words)
    spans_lines = any(len(word.split()) != 1 for word in words)
    first = None  # the first source with any text, for a post without a match
    for kinds, mark in _SNIPPET_SOURCES:
        source, at = _find_in_source(blocks, kinds, pattern, width + _SNIPPET_MARGIN,
                                     spans_lines)
        if not source:
            continue
        if at is not None:
            return mark + _masked_window(source, at, width, pattern)
        first = first or (source, mark)
    return first[1] + _masked_window(first[0], 0, width, None) if first else ""


def _find_in_source(blocks: list[Block], kinds: tuple[str, ...],
                    pattern: re.Pattern | None, need: int,
                    spans_lines: bool = False) -> tuple[str, int | None]:
    """The text of these blocks as `_flatten` makes it, and where `pattern`
    first matches in it (0 with no pattern: the window starts there).

    Lines are flattened one by one and searched as they come; the text is
    cut `need` characters past the match, as far as a window ever looks, so
    the rest of a long post is never flattened.  A word with a space in it
    may match across lines: then the whole text is searched.
    """
    if spans_lines:
        source = _flatten(blocks, kinds)
        found = pattern.search(source) if pattern else None
        return source, found.start() if found else None if pattern else 0
    pieces: list[str] = []
    length, at = 0, None  # length: len(" ".join(pieces))
    for block in blocks:
        if block.kind not in kinds:
            continue
        for line in block.lines:
            piece = " ".join(line.lstrip(_QUOTE_MARKS).split())
            if not piece:
                continue
            offset = length + 1 if pieces else 0
            if at is None:
                found = pattern.search(piece) if pattern else None
                at = offset + found.start() if found else None if pattern else 0
            pieces.append(piece)
            length = offset + len(piece)
            if at is not None and length > at + need:
                return " ".join(pieces), at
    return " ".join(pieces), at


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
    return highlight_words(snippet_text(text, words, width), words, masked=True)


def highlight_words(text: str | None, words: list[str], masked: bool = False) -> Markup:
    """Mask addresses, escape, and wrap whole-word matches of `words` in <mark>.

    A word ending in `*` marks every word starting with the rest of it.
    `masked` says the text's addresses are masked already (a snippet's are).
    """
    text = (text or "") if masked else mask_addresses(text or "")
    pattern = words_pattern(words)
    if pattern is None:
        return escape(text)
    parts: list[str] = []
    position = 0
    for found in pattern.finditer(text):
        parts += (_escaped(text[position:found.start()]), "<mark>",
                  _escaped(found[0]), "</mark>")
        position = found.end()
    parts.append(_escaped(text[position:]))
    return Markup("".join(parts))


def _escaped(text: str) -> str:
    return str(escape(text))


def words_pattern(words: list[str]) -> re.Pattern | None:
    """A case-insensitive whole-word regex for `words` (`word*` for a prefix)."""
    choices = {
        re.escape(word.rstrip("*")) + (r"[^\W_]*" if word.endswith("*") else "")
        for word in words if word.rstrip("*")
    }
    if not choices:
        return None
    longest_first = sorted(choices, key=len, reverse=True)
    # A word is a run of letters and digits (forum.search.words): "_" ends one.
    return _compiled_words(rf"(?<![^\W_])(?:{'|'.join(longest_first)})(?![^\W_])")


@functools.lru_cache(maxsize=256)
def _compiled_words(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


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


def claim_excerpt(text: str | None, exact: str | None,
                  width: int = SNIPPET_WIDTH) -> Markup | None:
    """About `width` characters of a post round a labelled claim, the claim
    in <mark>; None when the claim's words are no longer in the text (a
    redaction took them): the caller then shows no claim at all.

    Labels anchor to the rendered text, where reflowed lines and quotes have
    lost their breaks and marks, so both sides are compared flattened.
    """
    claim = " ".join((exact or "").split())
    if not claim:
        return None
    flat = _flatten(split_blocks((text or "").splitlines()),
                    ("text", "quote", "tail", "signature"))
    at = flat.find(claim)
    if at == -1:
        return None
    room = max(0, width - len(claim)) // 2
    end = at + len(claim)
    before = mask_addresses(flat[max(0, at - room - _SNIPPET_MARGIN):at])
    after = mask_addresses(flat[end:end + room + _SNIPPET_MARGIN])
    head = tail = ""
    if len(before) > room:  # cut: drop the part word at the window's edge
        before, head = _cut_words(before[len(before) - room:], True), ELLIPSIS
    if len(after) > room:
        after, tail = _cut_words(after[:room], False), ELLIPSIS
    return Markup(f"{head}{_escaped(before)}<mark>{_escaped(mask_addresses(claim))}"
                  f"</mark>{_escaped(after)}{tail}")


def _cut_words(text: str, at_start: bool) -> str:
    """Drop the part word a window cut off at its outer edge."""
    if at_start:
        space = text.find(" ")
        return text[space + 1:] if space != -1 else ""
    space = text.rfind(" ")
    return text[:space + 1] if space != -1 else ""
