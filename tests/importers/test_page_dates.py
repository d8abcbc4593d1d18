"""Dates that web pages print: ISO 8601 keeps its offset, prose has none."""

from __future__ import annotations

from datetime import datetime

import pytest

from importers.article_parts import NO_ZONE_NOTE, PageDate, parse_page_date

JAN_31 = datetime(2012, 1, 31)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2012-01-31T12:33:00-07:00", PageDate(JAN_31.replace(hour=19, minute=33),
                                               offset=-420)),
        ("2012-01-31T12:33:00+05:30", PageDate(JAN_31.replace(hour=7, minute=3),
                                               offset=330)),
        ("2012-01-31T12:33:00+0100", PageDate(JAN_31.replace(hour=11, minute=33),
                                              offset=60)),
        ("2012-01-31T12:33:00Z", PageDate(JAN_31.replace(hour=12, minute=33),
                                          offset=0)),
        # Beyond any real zone: converted as written, but not shown in it.
        ("2012-01-31T12:33:00+15:00", PageDate(datetime(2012, 1, 30, 21, 33))),
        ("2012-01-31T12:33:00", PageDate(datetime(2012, 1, 31, 12, 33), "exact",
                                         NO_ZONE_NOTE)),
        ("2012-01-31", PageDate(datetime(2012, 1, 31), "day")),
        ("January 31, 2012 @ 12:33 pm", PageDate(datetime(2012, 1, 31, 12, 33),
                                                 "exact", NO_ZONE_NOTE)),
    ],
)
def test_page_dates_keep_the_offset_they_were_written_in(text, expected):
    assert parse_page_date(text) == expected
