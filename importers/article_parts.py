"""What the web-article readers extract, and the dates that pages print.

`article_html` and `article_text` both produce a `PageArticle`; `webpage` turns
it into IncomingMessages.  Page dates come in two shapes: machine-readable
ISO 8601 (`<time datetime>`, `article:published_time`) and prose such as
"January 31, 2012 @ 12:33 pm".  A date without a time is a day, not midnight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from importers.dates import EARLIEST, FUTURE_SLACK, MAX_OFFSET, utc_now

_MONTHS = {
    name: number
    for number, names in enumerate(
        ["jan january", "feb february", "mar march", "apr april", "may",
         "jun june", "jul july", "aug august", "sep sept september",
         "oct october", "nov november", "dec december"], start=1)
    for name in names.split()
}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_TIME = (r"(?:\s*(?:@|at|,)?\s*(?P<hour>\d{1,2}):(?P<minute>\d\d)(?::\d\d)?"
         r"\s*(?P<ampm>[aApP]\.?[mM]\.?)?)?")
# "January 31, 2012 @ 12:33 pm", "Jan. 22, 2012", "31 January 2012 at 8:15".
_PROSE_DATES = (
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+"
               rf"(?P<year>\d{{4}}){_TIME}"),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+"
               rf"(?P<year>\d{{4}}){_TIME}"),
)
_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?"
                       r"(?:Z|[+-]\d\d:?\d\d)?)?")
NO_ZONE_NOTE = "the page gives no time zone; its clock time is read as UTC"


class PageDate(NamedTuple):
    """A naive UTC date, "exact" or "day" precision, what was assumed, and the
    offset the page wrote it in (minutes east of UTC; None when it gave none)."""

    value: datetime | None
    precision: str = "exact"
    note: str | None = None
    offset: int | None = None


NO_DATE = PageDate(None)
# A byline's "user@blog": no dot after the @, so no mail domain.
_SITE_USER = re.compile(r"(?P<user>[\w.-]+)@(?P<site>[\w-]+)")


@dataclass(slots=True)
class PageComment:
    """One reader comment; `parent_key` is the comment it answers, or None."""

    key: str
    author: str
    date: PageDate
    text: str
    parent_key: str | None = None
    raw: bytes = b""


@dataclass(slots=True)
class PageArticle:
    """A web article as extracted: metadata, boilerplate-free body, comments."""

    title: str
    body: str
    author: str = ""
    date: PageDate = NO_DATE
    url: str | None = None
    comments: list[PageComment] = field(default_factory=list)


def site_user_name(name: str) -> str:
    """`joshua@fmnetnews` (a blog's user at the blog, no mail domain) reads
    `joshua (fmnetnews)`: shown as it was, it would look like a masked address."""
    user = _SITE_USER.fullmatch(name)
    return f"{user['user']} ({user['site']})" if user else name


def parse_page_date(value: str | None) -> PageDate:
    """An ISO 8601 or prose date from a page; NO_DATE when none is readable."""
    value = (value or "").strip()
    if not value:
        return NO_DATE
    iso = _ISO_DATE.match(value)
    return _plausible(_from_iso(iso.group(0))) if iso else find_prose_date(value)


def _plausible(found: PageDate) -> PageDate:
    """Dates before 1970-01-02 or after tomorrow are misreadings, not dates."""
    if found.value is None or not EARLIEST <= found.value <= utc_now() + FUTURE_SLACK:
        return NO_DATE
    return found


def _from_iso(text: str) -> PageDate:
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        return NO_DATE
    if len(text) == 10:
        return PageDate(parsed, "day")
    utcoffset = parsed.utcoffset()
    if utcoffset is None:  # no zone (fromisoformat sets only fixed offsets)
        return PageDate(parsed, "exact", NO_ZONE_NOTE)
    offset = utcoffset.total_seconds()
    return PageDate(parsed.astimezone(UTC).replace(tzinfo=None),
                    offset=int(offset) // 60 if abs(offset) <= MAX_OFFSET else None)


def find_prose_date(text: str) -> PageDate:
    """The first "January 31, 2012 @ 12:33 pm"-style date inside some text."""
    for pattern in _PROSE_DATES:
        for match in pattern.finditer(text):
            found = _plausible(_from_prose(match))
            if found.value is not None:
                return found
    return NO_DATE


def _from_prose(match: re.Match) -> PageDate:
    month = _MONTHS.get(match["month"].lower())
    if month is None:
        return NO_DATE
    try:
        day = datetime(int(match["year"]), month, int(match["day"]))
    except ValueError:
        return NO_DATE
    if match["hour"] is None:
        return PageDate(day, "day")
    hour, minute = int(match["hour"]), int(match["minute"])
    if match["ampm"]:
        hour = hour % 12 + (12 if match["ampm"][0] in "pP" else 0)
    if hour > 23 or minute > 59:
        return PageDate(day, "day")
    return PageDate(day + timedelta(hours=hour, minutes=minute), "exact", NO_ZONE_NOTE)
