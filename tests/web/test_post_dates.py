"""Dates shown in the time zone their source gave, with UTC on hover.

Stored dates are naive UTC; `posts.date_offset` keeps the offset the source
wrote the date in.  `<time datetime>` is always the UTC instant; the text is the
time as written where the offset is known, UTC where it is not.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from flask import render_template_string
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post
from forum.web.filters import local, local_iso

DATA = Path(__file__).resolve().parents[1] / "data"
INSTANT = datetime(2000, 10, 10, 18, 3)  # Tue, 10 Oct 2000 14:03:00 -0400
MAIL = """From eastern@example.org Tue Oct 10 18:03:00 2000
From: Mark <mark@example.org>
Subject: Magnesium at night
Date: Tue, 10 Oct 2000 14:03:00 -0400
Message-ID: <eastern@dates.example>

Helps with the spasms.

From typo@example.org Tue Oct 10 18:03:00 2000
From: Ann <ann@example.org>
Subject: Re: Magnesium at night
Date: Tue, 10 Oct 2000 14:03:00 +3000
Message-ID: <typo@dates.example>
In-Reply-To: <eastern@dates.example>

Me too.
"""


def shown(value, precision="exact", offset=None) -> str:
    """The `date` macro's markup, rendered by the app's own templates."""
    return render_template_string(
        '{% from "_macros/posts.html" import date %}{{ date(v, p, o) }}',
        v=value, p=precision, o=offset)


@pytest.mark.parametrize(
    ("offset", "text"),
    [
        (-240, "2000-10-10 14:03 -0400"),
        (330, "2000-10-10 23:33 +0530"),
        (-210, "2000-10-10 14:33 -0330"),
        (840, "2000-10-11 08:03 +1400"),
    ],
)
def test_a_known_offset_shows_the_time_as_written_with_utc_on_hover(
        app, offset, text):
    with app.test_request_context():
        assert shown(INSTANT, offset=offset) == (
            f'<time datetime="2000-10-10T18:03:00Z" title="2000-10-10 18:03 UTC">'
            f"{text}</time>")


@pytest.mark.parametrize("offset", [None, 0])
def test_an_unknown_or_zero_offset_shows_utc_as_before(app, offset):
    with app.test_request_context():
        assert shown(INSTANT, offset=offset) == (
            '<time datetime="2000-10-10T18:03:00Z">2000-10-10 18:03 UTC</time>')


def test_day_precision_and_unknown_dates_keep_their_display(app):
    with app.test_request_context():
        assert shown(datetime(2000, 10, 10, 10), "day", -420) == (
            '<time datetime="2000-10-10">2000-10-10</time>'
            '<span class="muted">, time unknown</span>')
        assert shown(None, "exact", -240) == '<span class="muted">date unknown</span>'


def test_filters():
    assert local(INSTANT, -240) == "2000-10-10 14:03 -0400"
    assert local(INSTANT, None) == "2000-10-10 18:03 UTC"
    assert local(None, -240) == "date unknown"
    assert local_iso(INSTANT, -240) == "2000-10-10T14:03:00-04:00"
    assert local_iso(INSTANT, 330) == "2000-10-10T23:33:00+05:30"
    assert local_iso(INSTANT, 0) == "2000-10-10T18:03:00+00:00"
    assert local_iso(INSTANT, None) is None


def _post(message_id: str) -> Post:
    return db.session.scalar(select(Post).where(Post.message_id == message_id))


def test_an_imported_post_is_shown_and_served_as_written(
        app, client, import_sources, tmp_path):
    mbox = tmp_path / "dates.mbox"
    mbox.write_text(MAIL, encoding="utf-8")
    import_sources(mbox, group="misc.dates")
    eastern, typo = _post("eastern@dates.example"), _post("typo@dates.example")
    assert (eastern.date, eastern.date_offset) == (INSTANT, -240)
    # "+3000" is read as UTC and noted: shown in UTC, as before.
    assert (typo.date, typo.date_offset) == (datetime(2000, 10, 10, 14, 3), None)
    with app.test_request_context():
        markup = render_template_string(
            '{% from "_macros/posts.html" import post_date %}{{ post_date(p) }}',
            p=eastern)
    assert markup == ('<time datetime="2000-10-10T18:03:00Z" '
                      'title="2000-10-10 18:03 UTC">2000-10-10 14:03 -0400</time>')

    data = client.get(f"/api/v1/posts/{eastern.permalink}").get_json()
    assert (data["date"], data["date_local"]) == (
        "2000-10-10T18:03:00Z", "2000-10-10T14:03:00-04:00")
    data = client.get(f"/api/v1/posts/{typo.permalink}").get_json()
    assert (data["date"], data["date_local"]) == ("2000-10-10T14:03:00Z", None)
    assert "out of range" in data["date_note"]
    for path in (f"/p/{eastern.permalink}/", f"/t/{eastern.thread_id}/"):
        page = client.get(path).get_data(as_text=True)
        assert markup in page, path
        assert ('<time datetime="2000-10-10T14:03:00Z">2000-10-10 14:03 UTC</time>'
                in page), path  # the "+3000" reply


def test_a_google_groups_post_is_served_in_pacific_time(client, import_sources):
    import_sources(DATA / "google-groups-seed-thread.txt", group="alt.med.fibromyalgia")
    [thai] = [p for p in db.session.scalars(select(Post)) if p.date_precision == "exact"
              and p.date.day == 13]  # 10:57:30 PM on the 12th, Pacific
    data = client.get(f"/api/v1/posts/{thai.permalink}").get_json()
    assert (data["date"], data["date_local"]) == (
        "2000-10-13T05:57:30Z", "2000-10-12T22:57:30-07:00")
