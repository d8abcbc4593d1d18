"""An empty dashboard says "Nothing yet" in words, never draws an empty chart."""

from __future__ import annotations

import re

import pytest

from forum.extensions import db
from forum.services.dashboard import dashboard
from forum.services.evidence import label_post

pytestmark = pytest.mark.search_backend("null")
EMPTY_PARTS = ("activity-empty", "coverage-empty", "labels-empty", "moderators-empty")


def _said(page: str, part: str) -> str:
    found = re.search(rf'<p[^>]* id="{part}">(.*?)</p>', page, re.S)
    assert found, part
    return found.group(1)


def test_a_new_archive_says_nothing_yet_everywhere(app, client, auth, moderator):
    auth.login("mara")
    page = client.get("/mod/").get_data(as_text=True)
    for part in EMPTY_PARTS:
        assert _said(page, part).startswith("Nothing yet: "), part
    assert "<svg" not in page and 'id="coverage"' not in page
    assert "Nothing waiting: no flagged post" in _said(page, "queue-empty")
    assert "Nothing yet: no reader flag is waiting." in page
    assert "Nothing yet: no suggested citation is waiting." in page
    assert "<code>user.create</code>" in page       # making mara is the one entry


def test_claims_without_any_work_still_have_no_chart(app, client, auth, seed_post,
                                                     moderator):
    assert not dashboard(db.session).has_activity
    auth.login("mara")
    page = client.get("/mod/").get_data(as_text=True)
    assert "<svg" not in page
    assert _said(page, "activity-empty").startswith("Nothing yet: no label, "
                                                     "citation or hide in the last")
    assert 'id="coverage"' in page and "coverage-empty" not in page
    assert "queue-empty" not in page


def test_the_first_label_fills_the_chart_in(app, client, auth, seed_post, moderator):
    label_post(db.session, moderator, seed_post, "needs_source", "Which studies?")
    db.session.commit()
    assert dashboard(db.session).has_activity
    auth.login("mara")
    page = client.get("/mod/").get_data(as_text=True)
    assert "<svg" in page and "activity-empty" not in page
    assert "labels-empty" not in page and "moderators-empty" not in page
