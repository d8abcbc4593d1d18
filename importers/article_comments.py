"""Reader comments in a saved article page, with the nesting the page shows.

Comment systems that render into the page (WordPress and its many themes,
schema.org `Comment` microdata) mark each comment with an id such as
`comment-1001` (sometimes twice: `li-comment-1001` around `div-comment-1001`)
and nest answers inside the comment they answer.  The outermost element of each
number is the comment; its nearest comment ancestor is the one it answers.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from lxml import etree, html

from importers.article_parts import NO_DATE, PageComment, PageDate, parse_page_date

_COMMENT_ID = re.compile(r"^(?:li-|div-)?comment-?(\d+)$", re.I)
_SCHEMA_COMMENT = '//*[contains(@itemtype, "schema.org/Comment")]'
_AUTHOR_CLASSES = frozenset({"fn", "comment-author", "author", "username"})
_TEXT_CLASSES = frozenset({
    "comment-content", "comment-text", "comment_text", "commentcontent",
    "comment-body-text",
})
_NOT_TEXT = re.compile(r"meta|author|reply|date|avatar", re.I)
_SAYS = re.compile(r"\s*(?:says|wrote|said)\s*:?\s*$", re.I)


def find_comments(root: html.HtmlElement) -> list[PageComment]:
    """Every comment with text, in page order, each naming the one it answers."""
    nodes = comment_nodes(root)
    others = set(nodes)
    parts = {node: (_comment_author(node, others), _comment_date(node, others),
                    _comment_text(node, others)) for node in nodes}
    keys = {node: _key(node, *parts[node]) for node in nodes}
    found = []
    for node in nodes:
        author, date, text = parts[node]
        if not text:
            continue
        # A comment under one with no text (deleted, say) answers the one above.
        parent = next((a for a in node.iterancestors() if a in keys and parts[a][2]),
                      None)
        found.append(PageComment(
            key=keys[node], author=author, date=date, text=text,
            parent_key=keys[parent] if parent is not None else None,
            raw=etree.tostring(node, encoding="utf-8"),
        ))
    return found


def comment_nodes(root: html.HtmlElement) -> list[html.HtmlElement]:
    """The elements that are comments, outermost of each number, in page order."""
    seen: set[str] = set()
    nodes = []
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        match = _COMMENT_ID.match(node.get("id") or "")
        schema = "schema.org/Comment" in (node.get("itemtype") or "")
        number = match.group(1) if match else None
        if (match or schema) and not (number and number in seen):
            nodes.append(node)
            if number:
                seen.add(number)
    return nodes


def _key(node: html.HtmlElement, author: str, date: PageDate, text: str) -> str:
    """The page's anchor (`comment-1001`), else a hash of what the comment says."""
    match = _COMMENT_ID.match(node.get("id") or "")
    if match:
        return f"comment-{match.group(1)}"
    when = date.value.isoformat() if date.value else ""
    digest = hashlib.sha1(f"{author}|{when}|{text}".encode()).hexdigest()
    return f"comment-{digest[:16]}"


def _own(node: html.HtmlElement, comments) -> Iterator[html.HtmlElement]:
    """The elements inside a comment that are not inside a comment nested in it."""
    stack = list(reversed(node))
    while stack:
        element = stack.pop()
        if element in comments or not isinstance(element.tag, str):
            continue
        yield element
        stack.extend(reversed(element))


def _classes(element: html.HtmlElement) -> set[str]:
    return set((element.get("class") or "").split())


def _comment_author(node, comments) -> str:
    for element in _own(node, comments):
        if (_classes(element) & _AUTHOR_CLASSES
                or element.get("itemprop") in ("author", "creator")):
            name = " ".join(element.text_content().split())
            return _SAYS.sub("", name)
    return ""


def _comment_date(node, comments) -> PageDate:
    for element in _own(node, comments):
        value = element.get("datetime") or (
            element.get("content") if element.get("itemprop") == "datePublished"
            else None)
        if value:
            return parse_page_date(value)
    for element in _own(node, comments):
        if re.search(r"date|meta", element.get("class") or "", re.I):
            found = parse_page_date(element.text_content())
            if found.value:
                return found
    return NO_DATE


def _comment_text(node, comments) -> str:
    for element in _own(node, comments):
        if (_classes(element) & _TEXT_CLASSES
                or element.get("itemprop") in ("text", "commentText")):
            return block_text(element)
    paragraphs = [element for element in _own(node, comments)
                  if element.tag == "p" and not _in_furniture(element, node)]
    return "\n\n".join(filter(None, map(block_text, paragraphs)))


def _in_furniture(element: html.HtmlElement, node: html.HtmlElement) -> bool:
    """Inside the comment's byline, date or reply link rather than its text."""
    for ancestor in element.iterancestors():
        if ancestor is node:
            return False
        if _NOT_TEXT.search(ancestor.get("class") or ""):
            return True
    return False


def block_text(element: html.HtmlElement) -> str:
    """An element's text: paragraphs apart by a blank line, spaces collapsed."""
    paragraphs = element.findall(".//p")
    if not paragraphs:
        return " ".join(element.text_content().split())
    texts = (" ".join(p.text_content().split()) for p in paragraphs)
    return "\n\n".join(text for text in texts if text)
