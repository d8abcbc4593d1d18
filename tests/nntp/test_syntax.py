"""Ranges, wildmats and dates as RFC 3977 writes them (no server needed)."""

from __future__ import annotations

from datetime import datetime

import pytest

from forum.nntp.syntax import is_message_id, parse_range, parse_when, wildmat


@pytest.mark.parametrize(("text", "span"), [
    ("5", (5, 5)), ("5-", (5, 90)), ("5-7", (5, 7)), ("7-5", (7, 5)),
    ("100-", (100, 100)), ("0-0", (0, 0)), ("9999999999999999", (10**16 - 1,) * 2),
    ("", None), ("-5", None), ("5--", None), ("a-b", None), ("5-7-9", None),
    (" 5", None), ("12345678901234567", None), ("٥", None),
])
def test_ranges(text, span):
    assert parse_range(text, high=90) == span


@pytest.mark.parametrize(("pattern", "name", "matched"), [
    ("*", "comp.lang.misc", True), ("comp.*", "comp.lang.misc", True),
    ("comp.*", "alt.test", False), ("*,!comp.*", "comp.lang.misc", False),
    ("*,!comp.*", "alt.test", True), ("!comp.*,comp.lang.*", "comp.lang.misc", True),
    ("alt.tes?", "alt.test", True), ("alt.[st]est", "alt.test", True),
    ("ALT.TEST", "alt.test", False),
])
def test_wildmats(pattern, name, matched):
    assert wildmat(pattern, name) is matched


@pytest.mark.parametrize(("date", "time", "when"), [
    ("20001010", "030000", datetime(2000, 10, 10, 3)),
    ("001010", "030000", datetime(2000, 10, 10, 3)),
    ("991231", "235959", datetime(1999, 12, 31, 23, 59, 59)),
    ("20001310", "000000", None), ("2000101", "000000", None),
    ("20001010", "250000", None), ("20001010", "0300", None),
])
def test_dates(date, time, when):
    assert parse_when(date, time, now=datetime(2026, 12, 6)) == when


def test_two_digit_years_never_lie_in_the_future():
    assert parse_when("300101", "000000", now=datetime(2026, 1, 1)).year == 1930
    assert parse_when("260101", "000000", now=datetime(2026, 1, 1)).year == 2026


@pytest.mark.parametrize(("text", "ok"), [
    ("<abc@archive.invalid>", True), ("<a>", True), ("abc@x", False),
    ("<a b@x>", False), ("<a>b@x>", False), ("<" + "a" * 249 + ">", False),
])
def test_message_ids(text, ok):
    assert is_message_id(text) is ok
