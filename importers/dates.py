"""Dates from real archives: lying offsets, epoch dates and a fallback chain.

Every date leaves here as a naive UTC datetime (or None) plus a short note that says
what was repaired or guessed, so the archive can show it next to the post, and the
offset its source gave (minutes east of UTC), so it can be shown as written.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_tz
from typing import NamedTuple

logger = logging.getLogger(__name__)

# Real zones run from -12:00 to +14:00; anything beyond is a typo such as "+3000".
MAX_OFFSET = 14 * 3600
# 1970-01-01 is what a zero Unix time prints as: a clock that was never set.
EARLIEST = datetime(1970, 1, 2)
FUTURE_SLACK = timedelta(days=1)

# The date part of an mbox/pipermail separator: "Tue Apr  1 08:18:42 1997".
_ENVELOPE_DATE = re.compile(
    r"(\w{3} \w{3}\s+\d{1,2} \d{1,2}:\d\d(?::\d\d)?(?: [A-Z]{3,4}| [+-]\d{4})? \d{4})"
    r"\s*$"
)
_COMMENT = re.compile(r"\([^()]*\)")
_OFFSET_TEXT = re.compile(r"([+-]\d{3,4})\s*$")
# A zero offset the header states; "-0000" (RFC 5322: zone unknown), a missing or
# an unknown zone also parse as zero, and are not.
_ZERO_ZONE = re.compile(r"(?:\+0000|\b(?:GMT|UTC?|Z))\s*$", re.I)


class SourceDate(NamedTuple):
    """A date as read: naive UTC, what was repaired, and the source's offset.

    `offset` is minutes east of UTC as the source wrote it (-240 for `-0400`),
    or None when the source gave none, gave an impossible one, or the date came
    from a fallback; the date is then shown in UTC.
    """

    value: datetime | None
    note: str | None = None
    offset: int | None = None


def utc_now() -> datetime:
    """The current time as a naive UTC datetime (what parsers compare dates with)."""
    return datetime.now(UTC).replace(tzinfo=None)


def envelope_date(line: str | None) -> str | None:
    """The asctime date at the end of a `From ` separator line, or None."""
    if not line:
        return None
    match = _ENVELOPE_DATE.search(line.rstrip())
    return match.group(1) if match else None


def parse_date(
    value: str | None, now: datetime | None = None
) -> tuple[datetime | None, str | None]:
    """Parse one date header to naive UTC: (date, note) or (None, why not)."""
    found = parse_source_date(value, now)
    return found.value, found.note


def parse_source_date(value: str | None, now: datetime | None = None) -> SourceDate:
    """Parse one date header to naive UTC, keeping the offset it was written in.

    An impossible offset such as `+3000` is read as UTC and noted, because the wall
    clock part is usually right.  Dates before 1970-01-02 or more than a day in the
    future are rejected so that the caller can try its next source.
    """
    if not value or not value.strip():
        return SourceDate(None, "missing")
    fields = parsedate_tz(value) or parsedate_tz(_COMMENT.sub(" ", value))
    if fields is None:
        return SourceDate(None, f"unreadable {_quote(value)}")
    offset, note = _checked_offset(fields[9], value)
    try:
        local = datetime(*fields[:6])
        date = local - timedelta(seconds=offset)  # 31 Dec 9999 -0100 overflows
    except (ValueError, OverflowError):
        return SourceDate(None, f"impossible date {_quote(value)}")
    rejected = _out_of_range(date, now or utc_now())
    if rejected:
        return SourceDate(None, f"{rejected} {_quote(value)}")
    return SourceDate(date, note, _stated_offset(offset, note, value))


def _checked_offset(offset: int | None, value: str) -> tuple[int, str | None]:
    if offset is None:
        return 0, None
    if abs(offset) <= MAX_OFFSET:
        return offset, None
    match = _OFFSET_TEXT.search(_COMMENT.sub(" ", value).strip())
    shown = match.group(1) if match else str(offset)
    return 0, f"time zone offset {shown} out of range, assumed UTC"


def _stated_offset(offset: int, note: str | None, value: str) -> int | None:
    """The offset in minutes, or None where it was assumed rather than read."""
    if note is not None:
        return None
    if offset == 0 and not _ZERO_ZONE.search(_COMMENT.sub(" ", value).strip()):
        return None
    return offset // 60


def _out_of_range(date: datetime, now: datetime) -> str | None:
    if date < EARLIEST:
        return "epoch date" if date.year == 1970 else "date before 1970"
    if date > now + FUTURE_SLACK:
        return "date in the future"
    return None


def _quote(value: str) -> str:
    value = " ".join(value.split())
    return repr(value[:60])


def resolve_source_date(
    candidates: Iterable[tuple[str, str | None]], now: datetime | None = None
) -> SourceDate:
    """Walk (label, value) candidates in order and return the first usable date.

    The first candidate is the message's own Date header: when it is used as is,
    the note is empty; when a later one is used, the note says why the earlier
    ones failed, so "epoch date" and its replacement stay visible.  Only the Date
    header's offset is kept: a fallback (a relay's Received, a news server's
    posting date) tells when, not where the writer was.
    """
    now = now or utc_now()
    failures: list[str] = []
    for index, (label, value) in enumerate(candidates):
        if value is None and index > 0:
            continue
        found = parse_source_date(value, now)
        if found.value is not None:
            note = _join_note(failures, label, found.note, index)
            return SourceDate(found.value, note, found.offset if index == 0 else None)
        failures.append(f"{label}: {found.note}")
    failures.append("no fallback date")
    return SourceDate(None, "; ".join(failures))


def _join_note(
    failures: list[str], label: str, note: str | None, index: int
) -> str | None:
    parts = list(failures)
    if note:
        parts.append(f"{label}: {note}")
    if index > 0:
        parts.append(f"used {label}")
    return "; ".join(parts) or None


def received_date(values: list[str]) -> str | None:
    """The date of the earliest Received hop (the last header), after its `;`."""
    for value in reversed(values):
        _, sep, date = value.rpartition(";")
        if sep and date.strip():
            return date.strip()
    return None
