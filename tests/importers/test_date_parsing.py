"""Dates: offsets that lie, clocks never set, and the fallback chain."""

from __future__ import annotations

from datetime import datetime

import pytest

from importers.dates import (
    SourceDate,
    envelope_date,
    parse_date,
    parse_source_date,
    received_date,
    resolve_source_date,
)

NOW = datetime(2030, 1, 1)


@pytest.mark.parametrize(
    ("value", "expected", "note"),
    [
        ("Tue, 1 Apr 1997 10:35:43 +0200", datetime(1997, 4, 1, 8, 35, 43), None),
        ("Tue, 1 Apr 97 10:28:56 +0200", datetime(1997, 4, 1, 8, 28, 56), None),
        ("Fri,  6 Apr 2007 15:43:55 -0700 (PDT)",
         datetime(2007, 4, 6, 22, 43, 55), None),
        ("19 Apr 93 16:15:19 +3000", datetime(1993, 4, 19, 16, 15, 19),
         "time zone offset +3000 out of range, assumed UTC"),
        ("19 Apr 93 16:15:19 -1700", datetime(1993, 4, 19, 16, 15, 19),
         "time zone offset -1700 out of range, assumed UTC"),
        ("Sat Jan  1 04:05:07 2000", datetime(2000, 1, 1, 4, 5, 7), None),
        ("1 Jan 2000 10:00 -0000", datetime(2000, 1, 1, 10, 0), None),
    ],
)
def test_parse_date(value, expected, note):
    assert parse_date(value, NOW) == (expected, note)


@pytest.mark.parametrize(
    ("value", "expected", "offset"),
    [
        ("Tue, 10 Oct 2000 14:03:00 -0400", datetime(2000, 10, 10, 18, 3), -240),
        ("Tue, 10 Oct 2000 14:03:00 +0200", datetime(2000, 10, 10, 12, 3), 120),
        ("Tue, 10 Oct 2000 14:03:00 +0530", datetime(2000, 10, 10, 8, 33), 330),
        ("Tue, 10 Oct 2000 14:03:00 -0330", datetime(2000, 10, 10, 17, 33), -210),
        ("Tue, 10 Oct 2000 14:03:00 +1400", datetime(2000, 10, 10, 0, 3), 840),
        ("Fri,  6 Apr 2007 15:43:55 -0700 (PDT)", datetime(2007, 4, 6, 22, 43, 55),
         -420),
        ("Tue, 10 Oct 2000 14:03:00 EST", datetime(2000, 10, 10, 19, 3), -300),
        ("Tue, 10 Oct 2000 14:03:00 +0000", datetime(2000, 10, 10, 14, 3), 0),
        ("Tue, 10 Oct 2000 14:03:00 GMT", datetime(2000, 10, 10, 14, 3), 0),
        ("Tue, 10 Oct 2000 14:03:00 +0000 (UTC)", datetime(2000, 10, 10, 14, 3), 0),
        # RFC 5322's "-0000": UTC, but the writer's zone is unknown.
        ("Tue, 10 Oct 2000 14:03:00 -0000", datetime(2000, 10, 10, 14, 3), None),
        ("Tue, 10 Oct 2000 14:03:00", datetime(2000, 10, 10, 14, 3), None),
        ("Tue, 10 Oct 2000 14:03:00 XYZ", datetime(2000, 10, 10, 14, 3), None),
        ("Sat Jan  1 04:05:07 2000", datetime(2000, 1, 1, 4, 5, 7), None),
        # Out of range: read as UTC and noted, so no offset either.
        ("19 Apr 93 16:15:19 +3000", datetime(1993, 4, 19, 16, 15, 19), None),
        ("19 Apr 93 16:15:19 -1700", datetime(1993, 4, 19, 16, 15, 19), None),
    ],
)
def test_parse_source_date_keeps_the_offset_as_written(value, expected, offset):
    found = parse_source_date(value, NOW)
    assert (found.value, found.offset) == (expected, offset)
    assert parse_date(value, NOW) == (found.value, found.note)


def test_a_rejected_date_has_no_offset():
    assert parse_source_date("Thu, 1 Jan 1970 01:33:35 +0100", NOW) == SourceDate(
        None, "epoch date 'Thu, 1 Jan 1970 01:33:35 +0100'")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "missing"),
        ("  ", "missing"),
        ("sometime last week", "unreadable"),
        ("Mon, 32 Jan 2000 10:00:00 GMT", "impossible date"),
        ("Thu, 1 Jan 1970 01:33:35 +0100", "epoch date"),
        ("Thu, 1 Jan 1965 00:00:00 +0000", "date before 1970"),
        ("Sat, 1 Jan 2150 00:00:00 +0000", "date in the future"),
    ],
)
def test_parse_date_rejects(value, reason):
    date, note = parse_date(value, NOW)
    assert date is None
    assert note.startswith(reason)


def test_a_date_one_day_ahead_is_still_accepted():
    assert parse_date("Wed, 1 Jan 2030 23:00:00 +0000", NOW)[0] is not None
    assert parse_date("Thu, 2 Jan 2030 01:00:00 +0000", NOW)[0] is None


def resolve_date(candidates, now):
    """(date, note) of `resolve_source_date`, the part these tests check."""
    return tuple(resolve_source_date(candidates, now)[:2])


def test_resolve_date_uses_the_first_usable_candidate():
    date, note = resolve_date(
        [("Date", "Thu, 1 Jan 1970 01:33:35 +0100"),
         ("separator line", None),
         ("Received", "Mon, 27 Aug 2001 09:36:57 +0000")],
        NOW,
    )
    assert date == datetime(2001, 8, 27, 9, 36, 57)
    assert note == (
        "Date: epoch date 'Thu, 1 Jan 1970 01:33:35 +0100'; used Received"
    )


def test_resolve_date_says_why_nothing_was_found():
    date, note = resolve_date([("Date", None), ("separator line", None)], NOW)
    assert date is None
    assert note == "Date: missing; no fallback date"


def test_resolve_date_with_a_good_date_has_no_note():
    assert resolve_date([("Date", "5 Apr 93 10:00:00 GMT")], NOW) == (
        datetime(1993, 4, 5, 10, 0), None
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("From jjl at pobox.com  Thu Nov  1 11:19:12 2001", "Thu Nov  1 11:19:12 2001"),
        ("From Martin Maechler <m@x.ch>  Tue Apr  1 08:18:42 1997",
         "Tue Apr  1 08:18:42 1997"),
        ("From MAILER-DAEMON Sat Aug 28 14:17:14 2021", "Sat Aug 28 14:17:14 2021"),
        ("From someone", None),
        (None, None),
    ],
)
def test_envelope_date(line, expected):
    assert envelope_date(line) == expected


def test_received_date_takes_the_earliest_hop():
    values = ["from b by c; Tue, 6 Apr 1993 12:00:00 +0200",
              "from a by b; Tue, 6 Apr 1993 11:58:00 +0200",
              "from nowhere without a date"]
    assert received_date(values) == "Tue, 6 Apr 1993 11:58:00 +0200"
    assert received_date([]) is None


def test_only_the_date_headers_offset_is_kept():
    """A fallback tells when a relay or server saw it, not where the writer was."""
    own = resolve_source_date([("Date", "Tue, 10 Oct 2000 14:03:00 -0400"),
                               ("Received", "Tue, 10 Oct 2000 20:00:00 +0200")], NOW)
    assert own == SourceDate(datetime(2000, 10, 10, 18, 3), None, -240)
    fallback = resolve_source_date([("Date", None),
                                    ("Received", "Tue, 10 Oct 2000 20:00:00 +0200")],
                                   NOW)
    assert (fallback.value, fallback.offset) == (datetime(2000, 10, 10, 18), None)
    assert fallback.note == "Date: missing; used Received"
