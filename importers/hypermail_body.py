"""The body section of a hypermail page as plain text.

Hypermail writes one `<br />` per line outside `<pre>` (the newlines in the
markup are only layout), marks quoted lines `class="quotelev1"`..`"quotelev4"`,
and puts the header block in `<address>` and the arrival date in
`<span id="received">`, neither of which is part of the message.

The markup is machine-made and regular, so a small tokenizer reads it about
five times faster than `html.parser`; attribute values may hold `<` and `>`
(hypermail links `Tel: ...<tel:...>` numbers), which the tag pattern allows.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

# Linear on broken markup: an unclosed comment runs to the end (as in a browser),
# and `<` outside quotes ends a tag, so "<a <a <a ..." is not rescanned per `<`.
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(?P<end>/?)(?P<tag>[A-Za-z][\w:-]*)(?P<attrs>(?:\"[^\"]*\"|'[^']*'|[^'\"<>])*)>"
    r"|(?P<text>[^<]+|<)",
    re.S,
)
_ATTRIBUTE = re.compile(
    r"""\b(id|class)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I
)
_QUOTE_CLASS = re.compile(r"\bquotelev(\d)\b")
_BLOCKS = frozenset({"p", "div", "pre", "blockquote", "li", "tr", "table", "ul",
                     "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr"})
_VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "wbr"})


def body_text(section: str) -> str:
    """Plain text of a page's body section: no header block, quotes as `>` lines."""
    reader = _BodyText()
    for kind, tag, value in _tokens(section):
        if kind == "start":
            reader.start(tag, value)
        elif kind == "end":
            reader.end(tag)
        else:
            reader.data(value)
    return reader.text()


def _tokens(markup: str) -> Iterator[tuple[str, str, str]]:
    """("start"|"end", tag, attributes) and ("text", "", decoded text)."""
    for match in _TOKEN.finditer(markup):
        if match["text"] is not None:
            yield "text", "", html.unescape(match["text"])
        elif match["tag"] is not None:
            tag = match["tag"].lower()
            if match["end"]:
                yield "end", tag, ""
            else:
                yield "start", tag, match["attrs"]
                if match["attrs"].rstrip().endswith("/") and tag not in _VOID:
                    yield "end", tag, ""


def _attributes(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(text):
        value = next((v for v in match.groups()[1:] if v is not None), "")
        found.setdefault(match.group(1).lower(), html.unescape(value))
    return found


class _BodyText:
    """Collects text: `<br>` ends a line, `<pre>` keeps its own line breaks."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pre = 0
        self.pre_start = False
        self.skip_tag: str | None = None
        self.skip_depth = 0
        # Open quotelev elements: [tag, level, index into parts, nesting,
        # whether the quote starts a line].
        self.quotes: list[list] = []

    def start(self, tag: str, attrs: str) -> None:
        """An opening tag (`attrs` is the raw attribute text)."""
        if self._skipping(tag, opening=True):
            return
        attributes = _attributes(attrs) if attrs.strip() else {}
        if tag == "address" or attributes.get("id") == "received":
            self.skip_tag, self.skip_depth = tag, 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self._open_block(tag)
        if tag not in _VOID:
            self._maybe_quote(tag, attributes.get("class", ""))

    def end(self, tag: str) -> None:
        """A closing tag."""
        if self._skipping(tag, opening=False):
            return
        if self.quotes and tag == self.quotes[-1][0]:
            if self.quotes[-1][3]:
                self.quotes[-1][3] -= 1
            else:
                self._close_quote()
        if tag in _BLOCKS:
            self._line_break()
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def data(self, text: str) -> None:
        """Text between tags, entities already decoded."""
        if self.skip_tag:
            return
        if not self.pre:
            text = text.replace("\r", "").replace("\n", "")
        else:
            text = text.replace("\r\n", "\n")
            if self.pre_start and text.startswith("\n"):
                text = text[1:]
        self.pre_start = False
        if text:
            self.parts.append(text)

    def _skipping(self, tag: str, opening: bool) -> bool:
        if self.skip_tag is None:
            return False
        if tag == self.skip_tag:
            self.skip_depth += 1 if opening else -1
            if self.skip_depth == 0:
                self.skip_tag = None
        return True

    def _open_block(self, tag: str) -> None:
        self._line_break()
        if tag == "pre":
            self.pre += 1
            self.pre_start = True

    def _maybe_quote(self, tag: str, classes: str) -> None:
        if self.quotes and tag == self.quotes[-1][0]:
            self.quotes[-1][3] += 1
            return
        match = _QUOTE_CLASS.search(classes)
        if match:
            starts_line = self._last_char() in ("", "\n")
            self.quotes.append(
                [tag, int(match.group(1)), len(self.parts), 0, starts_line]
            )

    def _close_quote(self) -> None:
        _tag, level, start, _depth, starts_line = self.quotes.pop()
        segment = "".join(self.parts[start:])
        if starts_line:
            segment = "\n".join(_quoted(line, level) for line in segment.split("\n"))
        self.parts[start:] = [segment]

    def _line_break(self) -> None:
        if self._last_char() not in ("", "\n"):
            self.parts.append("\n")

    def _last_char(self) -> str:
        return next((part[-1] for part in reversed(self.parts) if part), "")

    def text(self) -> str:
        """The collected text: NBSPs as spaces, no trailing blanks or blank edges."""
        while self.quotes:
            self._close_quote()
        text = "".join(self.parts).replace("\xa0", " ")
        lines = [_without_trailing_blanks(line) for line in text.split("\n")]
        while lines and not lines[0]:
            lines.pop(0)
        while lines and not lines[-1]:
            lines.pop()
        return "\n".join(lines) + "\n" if lines else ""


def _without_trailing_blanks(line: str) -> str:
    """A line without trailing blanks, except the signature separator `-- `."""
    stripped = line.rstrip()
    return "-- " if stripped == "--" and line.startswith("-- ") else stripped


def _quoted(line: str, level: int) -> str:
    """A line hypermail marked as quoted, starting with `>` as readers expect."""
    stripped = line.lstrip(" \t\xa0")
    if not stripped or stripped.startswith(">"):
        return stripped
    return ">" * level + " " + stripped
