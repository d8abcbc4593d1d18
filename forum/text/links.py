"""Links in plain text: http, https, ftp and www. URLs, each rel=nofollow.

Text is escaped here and only here on its way to a link: whatever is not a
link comes back escaped, so the result is safe to put in a page as it is.
"""

from __future__ import annotations

from linkify_it import LinkifyIt
from markupsafe import Markup, escape

LINK_REL = "nofollow noopener ugc"
LINK_SCHEMES = frozenset({"http:", "https:", "ftp:"})

_linkify = LinkifyIt(options={"fuzzy_email": False, "fuzzy_link": True})


def linkify(text: str) -> Markup:
    """Escape `text` and link http, https, ftp and www. URLs (rel=nofollow)."""
    if not may_hold_link(text):
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


def linked(text: str) -> str:
    """`linkify(text)` as a plain string, for HTML built by joining strings."""
    return str(linkify(text))


def may_hold_link(text: str) -> bool:
    """False when no link `linkify` makes can be in `text`."""
    return "://" in text or "www." in text.lower()


def _is_linkable(match) -> bool:
    if match.schema:
        return match.schema.lower() in LINK_SCHEMES
    return match.text.lower().startswith("www.")
