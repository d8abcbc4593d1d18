"""The dashboard's numbers on the seed thread and articles, and its page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import ClaimHint, Flag, Post, PostCitation
from forum.services.audit import utcnow
from forum.services.citations import posts_with_suggestions
from forum.services.dashboard import dashboard
from forum.services.evidence import label_post
from forum.services.moderation import hide_post
from forum.services.queue import QueueFilter, queue_items
from forum.services.queue_actions import dismiss_items
from forum.services.queue_items import KINDS

pytestmark = pytest.mark.search_backend("whoosh-ram")
SAMPLES = Path(__file__).resolve().parents[2] / "samples"


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


def test_queue_sizes_are_the_posts_the_queue_lists(app, worked, moderator,
                                                   import_sources):
    """The sizes are counted from indexes, the queue reads the posts: same posts.

    Each way out of the queue is taken once: a label, a dismissal, hiding
    (a hidden post's flags still count), a ghost.
    """
    import_sources(*sorted(SAMPLES.glob("article-*.txt")), fmt="article",
                   group="articles.magnesium")
    hinted = list(db.session.scalars(
        select(ClaimHint.post_id).distinct().join(Post, Post.id == ClaimHint.post_id)
        .where(Post.id != worked.id, Post.is_hidden.is_(False))
        .order_by(ClaimHint.post_id)))
    suggested = list(db.session.scalars(
        select(PostCitation.post_id).distinct()
        .where(PostCitation.status == "suggested").order_by(PostCitation.post_id)))
    assert len(hinted) >= 3 and suggested
    dismiss_items(db.session, moderator, [db.session.get(Post, hinted[0])], "claim",
                  "an anecdote")
    hidden = db.session.get(Post, hinted[1])
    hide_post(db.session, moderator, hidden, "spam")
    ghost = db.session.get(Post, hinted[2])
    ghost.is_ghost = True
    for post_id in (hidden.id, ghost.id, suggested[0]):
        db.session.add(Flag(post_id=post_id, reason="spam", client="c" * 32,
                            created_at=utcnow(), status="pending"))
    db.session.flush()
    sizes = dashboard(db.session).queue
    for kind in KINDS:
        listed = queue_items(db.session, QueueFilter(kind=kind), limit=100_000)
        assert sizes[kind] == len(listed), kind
    assert sizes["flag"] == 2  # the ghost's flag is not counted, the hidden post's is


def test_posts_with_suggestions_rank_by_count_then_id(app, worked):
    waiting = posts_with_suggestions(db.session, limit=100)
    counts = {post_id: n for post_id, n in db.session.execute(
        select(PostCitation.post_id, func.count()).where(
            PostCitation.status == "suggested").group_by(PostCitation.post_id))}
    assert [(post.id, n) for post, n in waiting] == sorted(
        counts.items(), key=lambda item: (-item[1], item[0]))
    assert posts_with_suggestions(db.session, limit=1) == waiting[:1]
