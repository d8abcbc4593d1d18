"""A saved Google Groups thread page (HTML) rendered to the text a browser shows.

Google's class names are obfuscated and change, so nothing here depends on them:
the page is rendered the way `innerText` would render it (blocks and `<br>` break
lines, whitespace collapses, scripts and hidden elements vanish) and then read like
a copied page by `google_groups_text`.  Only the title and the thread address are
taken from the markup itself.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from importers.google_groups_text import Page, page_address

_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "pre",
    "section", "summary", "table", "tr", "ul",
})
_PARAGRAPHS = frozenset({"p"})
_SKIPPED = frozenset({"script", "style", "noscript", "template", "svg", "title"})
_VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
    "source", "track", "wbr",
})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SPACES = re.compile(r"[ \t\r\n\f]+")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_TITLE_SUFFIX = re.compile(r"\s+-\s+Google Groups\s*$")


def render_html(text: str) -> Page:
    """The page's visible text as lines, with its title, thread URL and group."""
    renderer = _Renderer()
    renderer.feed(text)
    renderer.close()
    url, group = page_address(text)
    title = _TITLE.search(text)
    heading = _TITLE_SUFFIX.sub("", _SPACES.sub(" ", title.group(1))) if title else ""
    return Page(lines=renderer.lines(), title=heading.strip(), url=url, group=group)


class _Renderer(HTMLParser):
    """innerText without CSS: enough for a page whose layout is divs and spans."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []
        self.pre = 0
        self.trailing = 0  # line breaks at the end of the text so far

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping:
            if tag == self.skipping[0] and tag not in _VOID:
                self.skipping.append(tag)
            return
        if tag in _SKIPPED or (tag not in _VOID and _is_hidden(dict(attrs))):
            self.skipping.append(tag)
        elif tag == "br":
            self._append("\n")
        else:
            self._break_around(tag)
            self.pre += tag == "pre"

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping[0]:
                self.skipping.pop()
            return
        self._break_around(tag)
        if tag == "pre" and self.pre:
            self.pre -= 1

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.pre:
            # No-break spaces survive the line trimming below, as in a browser.
            self._append(data.replace(" ", "\xa0"))
        else:
            self._append(_SPACES.sub(" ", data))

    def _break_around(self, tag: str) -> None:
        if tag in _BLOCKS:
            self._break(1)
        elif tag in _PARAGRAPHS:
            self._break(2)

    def _break(self, count: int) -> None:
        """End the current line, leaving `count` line breaks (no more)."""
        if self.parts and self.trailing < count:
            self._append("\n" * (count - self.trailing))

    def _append(self, text: str) -> None:
        stripped = text.rstrip(" ")
        if not stripped:
            if text and self.parts:
                self.parts.append(text)
            return
        self.parts.append(text)
        content = stripped.rstrip("\n")
        breaks = len(stripped) - len(content)
        self.trailing = breaks if content else self.trailing + breaks

    def lines(self) -> list[str]:
        """The text so far, split and trimmed the way a browser shows lines."""
        text = "".join(self.parts)
        return [line.strip(" ").replace("\xa0", " ") for line in text.split("\n")]


def _is_hidden(attrs: dict[str, str | None]) -> bool:
    """Elements the page hides outright (menus Google fills in lazily)."""
    return "hidden" in attrs or bool(_HIDDEN_STYLE.search(attrs.get("style") or ""))
