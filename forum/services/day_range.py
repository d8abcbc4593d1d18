"""Whole days picked in a filter, as conditions on a stored UTC time.

A moderator who asks for 3 to 5 March means every moment of the 5th too, so
the upper bound is the start of the next day, kept exclusive.  The audit log
and the review queue both filter this way; this is the one place that says so.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import QueryableAttribute


def within_days(column: QueryableAttribute[Any], since: date | None,
                until: date | None) -> list[ColumnElement[bool]]:
    """Conditions keeping `column` on the days from `since` through `until`
    (either may be open)."""
    conditions: list[ColumnElement[bool]] = []
    if since:
        conditions.append(column >= datetime.combine(since, time.min))
    if until:
        next_day = datetime.combine(until, time.min) + timedelta(days=1)
        conditions.append(column < next_day)
    return conditions
