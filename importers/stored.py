"""Who signed a kept original, and when: read again from a post's stored bytes.

The archive keeps each message's original bytes (`post_sources.raw`).  Mail
(mbox, Maildir, Usenet, pipermail) and hypermail pages carry the author as
their import read it; other sources (Google Groups copies, forum exports, web
pages) are not read again and give None.  Only mail carries a date offset as
its import reads it.
"""

from __future__ import annotations

from importers.base import IncomingMessage
from importers.dates import SourceDate
from importers.hypermail import looks_like_hypermail, parse_page
from importers.parsing import signer_of, written_date


def stored_signer(raw: bytes) -> tuple[str, str | None] | None:
    """(name, address) of the message in `raw`, or None when it cannot be told."""
    if looks_like_hypermail(raw[:16384]):
        page = parse_page(raw, "", "")
        if isinstance(page, IncomingMessage):
            return page.author_name, page.author_email
        return None
    return signer_of(raw)


def stored_date(raw: bytes) -> SourceDate | None:
    """The Date header of the mail message in `raw`, read as an import reads it,
    or None when `raw` is not mail (a hypermail page's import keeps no offset)."""
    if looks_like_hypermail(raw[:16384]):
        return None
    return written_date(raw)
