"""Web articles, saved as HTML pages or as text copies: one thread per article.

The article is the thread's first post; reader comments, where the page has
them, are its replies (nested comments answer the comment they sit in).  Pages
have no Message-IDs, so ids are made here, deterministically, from what the
page says: `article-<sha1(url, or title|author|date)>@web.invalid`, and for a
comment the article's id plus the comment's anchor.  A re-import therefore adds
nothing, and the same article saved as HTML and as text is stored once.

HTML goes to `article_html` (trafilatura), text copies to `article_text`
(heuristics).  `looks_like_article_html` and `looks_like_article_text` are the
detector's tests: deliberately narrow, so that no mail or news file changes
reader.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from importers.article_html import read_html_article
from importers.article_parts import PageArticle, PageComment
from importers.article_text import is_prose, read_text_article
from importers.base import ImportProblem, IncomingMessage, ParsedStream, excerpt_of
from importers.mime import decode_bytes
from importers.streams import STREAM_ERRORS, open_binary

WEB_DOMAIN = "web.invalid"
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*|<\?xml[^>]*>\s*)*"
    rb"<(?:!doctype\s+html|html|head|body)\b", re.I | re.S,
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)
# Markers of a page meant as an article (HTML5, Open Graph, schema.org).
_ARTICLE_MARKERS = (
    b"<article", b'property="og:', b"property='og:", b"article:published_time",
    b'"newsarticle"', b'"blogposting"', b'"articlebody"',
)
# Message archives that other readers own, even when they use <article> or og:.
_OTHER_ARCHIVES = (
    b"groups.google.com", b"- google groups</title>", b"hypermail",
    b"<!-- received=", b"mhonarc", b"pipermail",
)
_GOOGLE_GROUPS_TEXT = re.compile(
    r"Google Groups|^(?:unread,|Skip to first unread message)\s*$", re.M
)
_TEXT_SUFFIXES = (".txt", ".text")
_COMPRESSION_SUFFIXES = (".gz", ".xz", ".bz2")
_MIN_PROSE_LINES = 3
_PAGE_ANCHOR = re.compile(r"comment-\d+")


def looks_like_article_html(head: bytes) -> bool:
    """An HTML page with article markup that is not a Google Groups/hypermail page."""
    if not _HTML_START.match(head):
        return False
    lower = head.lower()
    if any(marker in lower for marker in _OTHER_ARCHIVES):
        return False
    return any(marker in lower for marker in _ARTICLE_MARKERS)


def looks_like_article_text(path: Path, head: bytes) -> bool:
    """A `.txt` of running prose (a text copy of a page), not mail or Google Groups.

    The detector asks only after every mail and news format has said no.
    """
    name = path.name.lower()
    for suffix in _COMPRESSION_SUFFIXES:
        name = name.removesuffix(suffix)
    if not name.endswith(_TEXT_SUFFIXES) or b"\0" in head:
        return False
    text = head.decode("utf-8", "replace")
    if text.lstrip()[:1] in ("<", "{", "[") or _GOOGLE_GROUPS_TEXT.search(text):
        return False
    return sum(map(is_prose, text.splitlines())) >= _MIN_PROSE_LINES


def iter_webpage(path: str | Path) -> ParsedStream:
    """The article in a saved page (HTML or text) and its comments as replies."""
    source = str(path)
    try:
        with open_binary(path) as stream:
            data = stream.read()
    except (OSError, *STREAM_ERRORS) as exc:
        yield ImportProblem(source, "page", f"unreadable file: {exc}")
        return
    text, repair = decode_page(data)
    is_html = bool(_HTML_START.match(data[:4096]))
    article = read_html_article(text) if is_html else read_text_article(text)
    if article is None:
        yield ImportProblem(source, "page", "no article text found in the page",
                            excerpt=excerpt_of(data))
        return
    yield from article_messages(article, source, data, [repair] if repair else [])


def decode_page(data: bytes) -> tuple[str, str | None]:
    """Text of a page: its BOM, else its <meta charset>, else UTF-8 or cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), None
    declared = _META_CHARSET.search(data[:4096])
    return decode_bytes(data, declared.group(1).decode("ascii") if declared else None)


def article_id(article: PageArticle) -> str:
    """`article-<sha1>@web.invalid` from the URL, else from title|author|date."""
    when = article.date.value.isoformat() if article.date.value else ""
    key = article.url or f"{article.title}|{article.author}|{when}"
    return f"article-{_sha1(key)}@{WEB_DOMAIN}"


def comment_id(parent_article_id: str, comment: PageComment) -> str:
    """A comment's id: its article's id and its anchor (or content hash)."""
    return f"comment-{_sha1(parent_article_id + '|' + comment.key)}@{WEB_DOMAIN}"


def article_messages(
    article: PageArticle, source: str, raw: bytes, repairs: list[str]
) -> Iterator[IncomingMessage]:
    """The article as a first post, then each comment as a reply."""
    root = article_id(article)
    yield IncomingMessage(
        source=source, position="article", message_id=root, synthetic_id=True,
        subject=article.title, author_name=article.author, date=article.date.value,
        date_note=article.date.note, date_precision=article.date.precision,
        date_offset=article.date.offset,
        body_text=article.body, raw=raw, repairs=repairs, source_url=article.url,
    )
    chains: dict[str, list[str]] = {}
    for comment in article.comments:
        ancestors = chains.get(comment.parent_key or "", [root])
        mid = comment_id(root, comment)
        chains[comment.key] = [*ancestors, mid]
        yield _comment_message(article, comment, source, mid, ancestors)


def _comment_message(article: PageArticle, comment: PageComment, source: str,
                     mid: str, ancestors: list[str]) -> IncomingMessage:
    anchor = comment.key if _PAGE_ANCHOR.fullmatch(comment.key) else None
    url = article.url.split("#", 1)[0] if article.url else None
    return IncomingMessage(
        source=source, position=comment.key, message_id=mid, synthetic_id=True,
        subject=f"Re: {article.title}" if article.title else "",
        author_name=comment.author, date=comment.date.value,
        date_note=comment.date.note, date_precision=comment.date.precision,
        date_offset=comment.date.offset,
        in_reply_to=ancestors[-1], references=list(ancestors),
        body_text=comment.text, raw=comment.raw,
        source_url=f"{url}#{anchor}" if url and anchor else url,
    )


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
