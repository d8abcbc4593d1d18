"""The small languages of NNTP arguments: ranges, wildmats, dates (RFC 3977)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from fnmatch import fnmatchcase

MAX_DIGITS = 16  # RFC 3977 3.2: article numbers have at most 16 digits
# ASCII digits only: \d and str.isdigit() take "٥" and "²" too.
_NUMBER = rf"[0-9]{{1,{MAX_DIGITS}}}"
_RANGE = re.compile(rf"({_NUMBER})(-({_NUMBER})?)?")
_MESSAGE_ID = re.compile(r"<[\x21-\x3d\x3f-\x7e]{1,248}>")
_DATE = re.compile(r"([0-9]{2}|[0-9]{4})([0-9]{2})([0-9]{2})")
_TIME = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{2})")


def parse_number(text: str) -> int | None:
    """An article number (1 to 16 ASCII digits), or None."""
    return int(text) if re.fullmatch(_NUMBER, text) else None


def parse_range(text: str, high: int) -> tuple[int, int] | None:
    """`n`, `n-` or `n-m` as (low, high); `n-` runs to `high`; None if malformed.

    A reversed range is well-formed and empty (RFC 3977 says so): the caller
    finds no articles in it.
    """
    found = _RANGE.fullmatch(text)
    if found is None:
        return None
    low = int(found[1])
    if found[2] is None:
        return low, low
    return low, int(found[3]) if found[3] is not None else max(high, low)


def is_message_id(text: str) -> bool:
    return _MESSAGE_ID.fullmatch(text) is not None


def wildmat(pattern: str, name: str) -> bool:
    """RFC 3977 4.2: comma-separated patterns, `!` negates, the last match wins."""
    matched = False
    for part in pattern.split(","):
        negated = part.startswith("!")
        if fnmatchcase(name, part[1:] if negated else part):
            matched = not negated
    return matched


def parse_when(date: str, time: str, now: datetime | None = None
               ) -> datetime | None:
    """NEWNEWS/NEWGROUPS `[yy]yymmdd hhmmss` as a naive UTC datetime, or None.

    Dates are read as UTC with or without `GMT`: the server keeps UTC.  A
    two-digit year is the closest such year not in the future (RFC 3977 7.3).
    """
    day, clock = _DATE.fullmatch(date), _TIME.fullmatch(time)
    if day is None or clock is None:
        return None
    year = int(day[1])
    if len(day[1]) == 2:
        this = (now or datetime.now(UTC)).year
        year += this // 100 * 100
        if year > this:
            year -= 100
    try:
        return datetime(year, int(day[2]), int(day[3]), int(clock[1]),
                        int(clock[2]), int(clock[3]))
    except ValueError:
        return None
