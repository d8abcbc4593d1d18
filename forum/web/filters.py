"""Jinja filters for archive pages: dates, masked text, rendered bodies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, overload
from urllib.parse import urlsplit

from markupsafe import Markup

from forum.services.identity import UNKNOWN_NAME
from forum.services.taxonomy import SEVERITY_ICONS, SEVERITY_WORDS
from forum.services.thread_tools import LOW_CONFIDENCE
from forum.text.article_doc import is_article_id
from forum.text.markup import render_post
from forum.text.masking import mask_addresses, mask_email


def utc(value: datetime | None) -> str:
    """An absolute date, `2000-10-10 03:00 UTC`."""
    return _written(value, "%Y-%m-%d %H:%M UTC")


def _written(value: datetime | None, shape: str) -> str:
    """The date in UTC in `shape` (strftime's), or "date unknown"."""
    return "date unknown" if value is None else format(_naive_utc(value), shape)


def _naive_utc(value: datetime) -> datetime:
    """Stored datetimes are naive UTC; an aware one is brought to that."""
    if value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def local(value: datetime | None, offset: int | None) -> str:
    """A date as its source wrote it, `2000-10-10 14:03 -0400`, from naive UTC and
    the offset in minutes east of UTC; `utc` where the offset is unknown or 0."""
    if value is None or not offset:
        return utc(value)
    return f"{_at_offset(value, offset):%Y-%m-%d %H:%M} {_offset_text(offset)}"


def local_iso(value: datetime | None, offset: int | None) -> str | None:
    """ISO-8601 at the source's offset, `2000-10-10T14:03:00-04:00`, for the API;
    None where the offset is unknown (`iso` gives the instant)."""
    if value is None or offset is None:
        return None
    shown = _at_offset(value, offset).replace(microsecond=0).isoformat()
    text = _offset_text(offset)
    return f"{shown}{text[:3]}:{text[3:]}"


def _at_offset(value: datetime, offset: int) -> datetime:
    return _naive_utc(value) + timedelta(minutes=offset)


def _offset_text(offset: int) -> str:
    hours, minutes = divmod(abs(offset), 60)
    return f"{'-' if offset < 0 else '+'}{hours:02d}{minutes:02d}"


def day(value: datetime | None) -> str:
    """The date alone, `2000-10-10`, for posts whose time of day is unknown."""
    return _written(value, "%Y-%m-%d")


# A date gives a string (the checker is told so), no date None.
@overload
def iso(value: datetime) -> str: ...


@overload
def iso(value: datetime | None) -> str | None: ...


def iso(value: datetime | None) -> str | None:
    """ISO-8601 in UTC with a `Z`, for `<time datetime>` and the API (None
    for no date)."""
    if value is None:
        return None
    return _naive_utc(value).replace(microsecond=0).isoformat() + "Z"


def masked(value: str | None) -> str:
    """Text with every e-mail address masked (subjects, names, excerpts)."""
    return mask_addresses(value or "")


def address(author) -> str:
    """An author's masked address, or "" when none is known."""
    if author is None:
        return ""
    return mask_addresses(mask_email(author.email) or author.masked_email or "")


def link_url(value: str | None) -> str | None:
    """A source URL that is safe to link: http(s) only, and no address in it."""
    url = (value or "").strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") and "@" not in url else None


def body(post) -> Markup:
    """A post's body as safe HTML, from its text part or else its HTML."""
    return render_post(post)


def named_author(post) -> str:
    """The post's signed name, or "" where its source named no one."""
    return "" if post.byline == UNKNOWN_NAME else post.byline


def web_article(post) -> bool:
    """Whether a post is a web article's own text: pages name it by byline."""
    return is_article_id(post.message_id) if post is not None else False


def severity_icon(severity: str) -> str:
    return SEVERITY_ICONS.get(severity, "•")


def severity_word(severity: str) -> str:
    return SEVERITY_WORDS.get(severity, severity.title())


# How sure an inferred parent is, in words, from the importer's confidence
# (importers/reconstruct.py): the lowest score each word needs, highest first.
# A Message-ID named in an attribution scores 0.97-0.99 and a moderator's
# confirmation 1.0: "certain".  Below LOW_CONFIDENCE moderators are asked to
# check the parent (services.thread_tools), so readers see "possible" there.
CONFIDENCE_WORDS = (
    (0.95, "certain"),
    (0.85, "very likely"),
    (LOW_CONFIDENCE, "likely"),
)
LEAST_CONFIDENT = "possible"


def confidence_word(value: float | None) -> str:
    """An inferred parent's confidence (0..1) as a word: "very likely"."""
    for least, word in CONFIDENCE_WORDS:
        if value is not None and value >= least:
            return word
    return LEAST_CONFIDENT


_CITATION_PREFIX = {"pmid": "PMID ", "pmcid": "", "doi": "doi:", "isbn": "ISBN ",
                    "arxiv": "arXiv:", "url": ""}


def citation_label(citation) -> str:
    """How a citation is named in a list: "PMID 9068914", "doi:10.1000/x"."""
    return _CITATION_PREFIX.get(citation.kind, "") + citation.identifier


def citation_source(citation) -> str:
    """Authors, journal, year, volume(issue):pages, in the Vancouver order.

    "Bagis S, Karabiber M, As I, et al. Rheumatol Int. 2013;33(1):167-172."
    Empty when the record holds no details.
    """
    names = [_author(a) for a in (citation.authors or [])]
    names = [n for n in names if n]
    authors = ", ".join(names[:3]) + (", et al." if len(names) > 3 else "")
    where = citation.container_title or ""
    year = (citation.issued or "")[:4]
    numbers = citation.volume + (f"({citation.issue})" if citation.issue else "")
    if citation.page:
        numbers += f":{citation.page}"
    when = ";".join(p for p in (year, numbers) if p)
    parts = [p for p in (authors, where, when) if p]
    return ". ".join(p.rstrip(".") for p in parts) + ("." if parts else "")


def _author(author) -> str:
    if not isinstance(author, dict):
        return ""
    if author.get("literal"):
        return str(author["literal"])
    words = str(author.get("given") or "").replace("-", " ").split()
    given = "".join(word[0] for word in words if word[:1].isalpha())
    return " ".join(p for p in (str(author.get("family") or ""), given) if p)


FILTERS: dict[str, Callable[..., Any]] = {
    "utc": utc, "iso": iso, "masked": masked, "address": address, "body": body,
    "day": day, "local": local, "link_url": link_url, "severity_icon": severity_icon,
    "severity_word": severity_word, "citation_label": citation_label,
    "citation_source": citation_source,
    "confidence_word": confidence_word, "web_article": web_article,
    "named_author": named_author,
}
