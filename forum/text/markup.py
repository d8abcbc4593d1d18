"""The only module that turns stored post bodies into HTML, and the only one
that sanitises HTML (nh3, with the allowlist below).

Plain text is escaped, never sanitised: an HTML sanitiser would eat
`Name <addr> wrote:`.  Quotes, signatures, "Original Message" tails and
uuencoded binaries are folded into `<details>` so a page works without
JavaScript.  Every e-mail address is masked Google Groups style before any
HTML is made, so no renderer can leak one.

The steps live in sibling modules, and callers import each from the module
that does it: cutting a body into blocks (`blocks`), masking addresses
(`masking`), linking URLs (`links`), plain-text bodies and web articles as
HTML (`body_html`, `article_html`) and search snippets (`snippets`).  This
module puts them together for stored posts and keeps the sanitiser.
"""

from __future__ import annotations

from html import unescape

import nh3
from markupsafe import Markup

from forum.text.article_doc import is_article_id
from forum.text.article_html import render_article
from forum.text.body_html import render_body
from forum.text.links import LINK_REL
from forum.text.masking import mask_addresses

__all__ = [
    "ALLOWED_ATTRIBUTES", "ALLOWED_TAGS", "ALLOWED_URL_SCHEMES",
    "STRIPPED_CONTENT_TAGS", "as_posted_text", "post_plain_text", "render_post",
    "render_post_body", "sanitize_html",
]

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

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(STRIPPED_CONTENT_TAGS),
    attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(ALLOWED_URL_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
)


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


def sanitize_html(html: str | None) -> Markup:
    """Clean HTML from a web-forum source with the allowlist, then mask addresses."""
    cleaned = mask_addresses(_cleaner.clean(html or ""))
    return Markup('<div class="body-html">{}</div>').format(Markup(cleaned))


def post_plain_text(body_text: str | None, body_html: str | None = None) -> str:
    """A stored post as plain text: its text part, else its HTML without tags."""
    if (body_text or "").strip() or not body_html:
        return body_text or ""
    return unescape(nh3.clean(body_html, tags=set()))


def as_posted_text(body_text: str | None, body_html: str | None = None) -> str:
    """A post's text line for line with every address masked: what readers may
    take away (as-posted.txt, mbox exports), never the stored source bytes."""
    return mask_addresses(post_plain_text(body_text, body_html))
