"""Web articles saved as HTML: trafilatura for the text, the page's own metadata.

trafilatura (maintained, and the best-scoring open-source boilerplate remover
in published comparisons) finds the article among menus, share buttons,
cookie banners, related links and footers.  Metadata that pages state
precisely is read here first: `article:published_time` and `<time datetime>`
keep the time of day that trafilatura's day-only date drops, the canonical
link or the browser's "saved from" note gives the URL.  Comments come from
`article_comments`, which keeps their nesting.
"""

from __future__ import annotations

import logging
import re

from lxml import etree, html

from importers.article_comments import comment_nodes, find_comments
from importers.article_parts import (
    NO_DATE,
    PageArticle,
    PageDate,
    parse_page_date,
    site_user_name,
)

logger = logging.getLogger(__name__)

_DATE_PATHS = (
    '//meta[@property="article:published_time"]/@content',
    '//meta[@itemprop="datePublished"]/@content',
    '//*[@itemprop="datePublished"]/@datetime',
    '//meta[@name="date" or @name="DC.date.issued" or @name="dcterms.created"'
    ' or @name="publish-date" or @name="pubdate"]/@content',
)
_URL_PATHS = (
    '//link[@rel="canonical"]/@href',
    '//meta[@property="og:url"]/@content',
)
_JSON_LD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]+)"')
# Internet Explorer and Chrome's "saved from" mark; SingleFile's header comment.
_SAVED_FROM = re.compile(
    r"<!--\s*(?:saved from url=\(\d+\)|Page saved with SingleFile\s+url:\s*)"
    r"(https?://[^\s>]+)", re.I,
)
# Words that bylines print where trafilatura looks for a name ("Updated June 14").
_NOT_AUTHORS = frozenset({
    "updated", "published", "posted", "last updated", "written", "by", "admin",
    "administrator", "staff", "editor", "editorial team", "guest", "anonymous",
})
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def read_html_article(markup: str) -> PageArticle | None:
    """The article in a saved HTML page, or None when no article text is found."""
    # Imported here: it costs a tenth of a second, and every CLI start and web
    # worker imports the detector, which needs only the cheap tests.
    import trafilatura
    from trafilatura.settings import Document

    markup = _XML_DECLARATION.sub("", markup, count=1)
    try:
        root = html.document_fromstring(markup)
    except (etree.ParserError, ValueError):
        return None
    url = page_url(root, markup)
    doc = trafilatura.bare_extraction(
        markup, url=url, with_metadata=True, include_comments=False,
        include_tables=True, include_formatting=True,
        author_blacklist=set(_NOT_AUTHORS),
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    # A Document, since as_dict is false; None when nothing was found.
    if not isinstance(doc, Document) or doc.body is None:
        return None
    title = " ".join((doc.title or "").split())
    body = "\n\n".join(_drop_title(_blocks(doc.body), title))
    if not body:
        return None
    return PageArticle(
        title=title, body=body, author=_author(root) or doc.author or "",
        date=_date(root, doc.date), url=url or doc.url,
        comments=find_comments(root),
    )


def page_url(root: html.HtmlElement, markup: str) -> str | None:
    """Where the page was published: canonical link, og:url, or "saved from"."""
    for path in _URL_PATHS:
        for value in root.xpath(path):
            if value.strip().startswith(("http://", "https://")):
                return value.strip()
    saved = _SAVED_FROM.search(markup[:4096])
    return saved.group(1) if saved else None


def _author(root: html.HtmlElement) -> str:
    for value in root.xpath('//meta[@name="author"]/@content'):
        name = re.sub(r"^by\s+", "", " ".join(value.split()), flags=re.I)
        if name:
            return site_user_name(name)
    return ""


def _date(root: html.HtmlElement, fallback: str | None) -> PageDate:
    """The page's own publication time; else trafilatura's date, a day."""
    candidates = [v for path in _DATE_PATHS for v in root.xpath(path)]
    candidates += _JSON_LD_DATE.findall(
        " ".join(root.xpath('//script[@type="application/ld+json"]/text()')))
    candidates += _article_times(root)
    for value in candidates:
        found = parse_page_date(value)
        if found.value:
            return found
    found = parse_page_date((fallback or "")[:10])
    return PageDate(found.value, "day") if found.value else NO_DATE


def _article_times(root: html.HtmlElement) -> list[str]:
    """`<time datetime>` in the article itself, not in its comments."""
    skip = set(comment_nodes(root))
    return [
        time.get("datetime") for time in root.xpath("//article//time[@datetime]")
        if not any(a in skip for a in time.iterancestors())
    ]


def _blocks(body: etree._Element) -> list[str]:
    """trafilatura's XML body as plain-text blocks: lists, quotes, tables kept."""
    for line_break in body.iter("lb"):
        line_break.text = "\n"
    blocks = []
    for element in body:
        if element.tag == "list":
            text = "\n".join(f"- {_inline(item)}" for item in element.iter("item"))
        elif element.tag == "table":
            text = _pipe_table(element)
        elif element.tag == "quote":
            text = "\n".join(f"> {line}" for line in _inline(element).split("\n"))
        else:
            text = _inline(element)
        if text.strip():
            blocks.append(text)
    return blocks


def _pipe_table(table: etree._Element) -> str:
    """A table as Markdown pipe rows, `|---|` under a header row, so that the
    archive can show it as a table again (forum.text.article_doc)."""
    rows = []
    for row in table.iter("row"):
        cells = [" ".join(_inline(cell).split()).replace("|", "\\|")
                 for cell in row.iter("cell")]
        rows.append(f"| {' | '.join(cells)} |")
        if len(rows) == 1 and row.find("cell[@role='head']") is not None:
            rows.append("|" + "---|" * len(cells))
    return "\n".join(rows)


def _inline(element: etree._Element) -> str:
    lines = "".join(element.itertext()).split("\n")
    return "\n".join(" ".join(line.split()) for line in lines).strip()


def _drop_title(blocks: list[str], title: str) -> list[str]:
    """The page's <h1> often opens the body too; the title is shown anyway."""
    if blocks and title and blocks[0].casefold() == title.casefold():
        return blocks[1:]
    return blocks

