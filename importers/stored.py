"""Who signed a kept original: the author read again from a post's stored bytes.

The archive keeps each message's original bytes (`post_sources.raw`).  Mail
(mbox, Maildir, Usenet, pipermail) and hypermail pages carry the author as
their import read it; other sources (Google Groups copies, forum exports, web
pages) are not read again and give None.
"""

from __future__ import annotations

from importers.base import IncomingMessage
from importers.hypermail import looks_like_hypermail, parse_page
from importers.parsing import signer_of


def stored_signer(raw: bytes) -> tuple[str, str | None] | None:
    """(name, address) of the message in `raw`, or None when it cannot be told."""
    if looks_like_hypermail(raw[:16384]):
        page = parse_page(raw, "", "")
        if isinstance(page, IncomingMessage):
            return page.author_name, page.author_email
        return None
    return signer_of(raw)
