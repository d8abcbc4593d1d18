"""The values of the date operators (`d:` `date:` `before:` `after:`).

A value names a year, month or day (`2000`, `2000-10`, `2000-10-05`), a day
relative to today as git writes it (`today`, `yesterday`, `3.weeks.ago`), or
for `d:` and `date:` a range of those (`2000..2001-06`, `2000..`, `..1999`).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from forum.search import ast
from forum.search.query_operators import BadQuery

_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{1,2})(?:-([0-9]{1,2}))?)?")
_AGO = re.compile(r"([0-9]{1,4})\.(day|week|month|year)s?\.ago")


def date_range(name: str, value: str, today: date) -> ast.DateRange:
    """The dates the operator `name` with `value` means, or BadQuery."""
    if name == "before":
        return ast.DateRange(None, _period(value, today)[0])
    if name == "after":
        return ast.DateRange(_period(value, today)[1], None)
    first, dots, last = value.partition("..")
    if not dots:
        return ast.DateRange(*_period(value, today))
    if not first and not last:
        raise BadQuery("Put a date on at least one side of the .., "
                       f"e.g. {name}:2000.. or {name}:..1999-06")
    start = _period(first, today)[0] if first else None
    end = _period(last, today)[1] if last else None
    if start is not None and end is not None and start >= end:
        raise BadQuery(f'The dates in "{value}" are the wrong way round: '
                       "put the earlier one first")
    return ast.DateRange(start, end)


def _period(text: str, today: date) -> tuple[date, date]:
    """The first day of the year, month or day `text` names, and the day after it."""
    try:
        match = _DATE.fullmatch(text)
        if match:
            return _calendar_period(*match.groups())
        if text in ("today", "yesterday") or _AGO.fullmatch(text):
            day = _relative_day(text, today)
            return day, day + timedelta(days=1)
    except (ValueError, OverflowError):
        pass
    raise BadQuery(f'Unknown date "{text}": use YYYY, YYYY-MM or YYYY-MM-DD')


def _calendar_period(year: str, month: str | None,
                     day: str | None) -> tuple[date, date]:
    y = int(year)
    if day is not None:
        assert month is not None, "_DATE has no day without a month"
        start = date(y, int(month), int(day))
        return start, start + timedelta(days=1)
    if month is not None:
        start = date(y, int(month), 1)
        return start, _add_months(start, 1)
    return date(y, 1, 1), date(y + 1, 1, 1)


def _relative_day(text: str, today: date) -> date:
    """`today`, `yesterday` or `N.days.ago` (weeks, months, years), as in git."""
    if text in ("today", "yesterday"):
        return today - timedelta(days=1 if text == "yesterday" else 0)
    match = _AGO.fullmatch(text)
    assert match is not None, "the caller matched _AGO"
    count, unit = match.groups()
    n = int(count)
    if unit in ("day", "week"):
        return today - timedelta(days=n * (7 if unit == "week" else 1))
    return _add_months(today, -n * (12 if unit == "year" else 1))


def _add_months(day: date, months: int) -> date:
    """`day` moved by whole months, kept within the month (31 Mar - 1 = 28 Feb)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month + 1)[1] if 1 <= year <= 9999 else 31
    return date(year, month + 1, min(day.day, last))
