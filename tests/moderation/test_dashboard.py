"""The dashboard's numbers on the seed thread and articles, and its page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post
from forum.services.audit import utcnow
from forum.services.dashboard import dashboard
from forum.services.evidence import label_post
from forum.services.moderation import hide_post

pytestmark = pytest.mark.search_backend("whoosh-ram")


@pytest.fixture
def worked(app, seed_post, moderator, admin):
    label_post(db.session, moderator, seed_post, "needs_source", "Which studies?")
    reply = db.session.scalar(select(Post).where(Post.parent_id == seed_post.id))
    label_post(db.session, admin, reply, "personal_experience", "An anecdote.")
    hide_post(db.session, admin, reply, "other", "test")
    db.session.commit()
    return seed_post


def test_numbers(app, worked):
    board = dashboard(db.session)
    (group,) = [c for c in board.coverage if c.group == "alt.support.fibromyalgia"]
    assert group.claims >= 2 and 1 <= group.labelled < group.claims
    assert {kind.key: n for kind, n in board.labels} == {
        "needs_source": 1, "personal_experience": 1}
    this_week = board.weeks[-1]
    assert this_week == utcnow().date() - timedelta(days=utcnow().weekday())
    assert board.activity["labels"][-1] == 2 and board.activity["hides"][-1] == 1
    assert sum(board.activity["labels"][:-1]) == 0
    assert dict(board.moderators) == {"mara": 1, "ada": 2}
    assert board.queue["citation"] == 1


def test_page(app, client, auth, worked):
    auth.login("ada")
    page = client.get("/mod/").get_data(as_text=True)
    assert 'id="coverage"' in page and "alt.support.fibromyalgia" in page
    assert "<svg" in page and "Labels, citations and hides per week" in page
    assert "ada: 2 actions" in page and "mara: 1 action" in page
    assert "Needs a source" in page
