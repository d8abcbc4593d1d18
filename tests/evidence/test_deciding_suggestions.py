"""A suggested citation is decided once, from the post's page or from the queue.

Both pages list the same suggestions and two moderators may have them open at
once: a decision on a suggestion that is no longer pending changes nothing,
records nothing and says so.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forum.extensions import db
from forum.models import AuditEntry, PostCitation, User
from forum.services.citations import SuggestionDecided, decide_suggestion

pytestmark = pytest.mark.search_backend("whoosh-ram")


def _pending(post) -> list[PostCitation]:
    return list(db.session.scalars(
        select(PostCitation).where(PostCitation.post_id == post.id,
                                   PostCitation.origin == "scan",
                                   PostCitation.status == "suggested")
        .order_by(PostCitation.span_start)))


def _audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)))


def _decide_on_post_page(auth, item_id: int, decision: str):
    return auth.post(f"/mod/post-citations/{item_id}/decide",
                     {"decision": decision, "why": "checked"})


@pytest.mark.parametrize(("first", "second", "status"), [
    ("confirm", "reject", "confirmed"),
    ("confirm", "confirm", "confirmed"),
    ("reject", "confirm", "rejected"),
    ("reject", "reject", "rejected"),
])
def test_the_post_page_refuses_a_suggestion_decided_already(
        app, client, auth, seed_post, moderator, first, second, status):
    auth.login("mara")
    item = _pending(seed_post)[0]
    done = _decide_on_post_page(auth, item.id, first)
    assert done.status_code == 302
    audited = _audit_count()

    again = _decide_on_post_page(auth, item.id, second)
    assert again.status_code == 409
    assert f"That suggestion was {status} already." in again.get_data(as_text=True)
    db.session.expire_all()
    assert item.status == status
    assert _audit_count() == audited            # no second entry, no new decider
    assert len(_pending(seed_post)) == 13


def test_the_queue_and_the_post_page_share_the_check(app, client, auth, seed_post,
                                                     moderator):
    auth.login("mara")
    item = _pending(seed_post)[0]
    assert _decide_on_post_page(auth, item.id, "reject").status_code == 302
    audited = _audit_count()
    back = auth.post(f"/mod/queue/suggestions/{item.id}/decide",
                     {"decision": "confirm", "back": "/mod/queue?kind=citation"},
                     token_from="/mod/queue")
    assert back.status_code == 302
    assert "That suggestion was rejected already." in client.get(
        back.location).get_data(as_text=True)
    db.session.expire_all()
    assert item.status == "rejected" and _audit_count() == audited


def test_a_decision_made_meanwhile_elsewhere_wins(app, seed_post, moderator):
    """One moderator's page was loaded while pending; another decided since."""
    item = _pending(seed_post)[0]
    db.session.commit()
    with Session(db.engine, expire_on_commit=False) as slow:
        stale, who = slow.get(PostCitation, item.id), slow.get(User, moderator.id)
        assert stale.status == "suggested" and stale.citation.kind == "pmid"
        slow.commit()                           # loaded, and nothing held
        decide_suggestion(db.session, moderator, item, accept=False, why="first")
        db.session.commit()
        audited = _audit_count()

        with pytest.raises(SuggestionDecided, match="was rejected already"):
            decide_suggestion(slow, who, stale, accept=True, why="second")
        slow.commit()
    db.session.expire_all()
    assert item.status == "rejected"
    assert _audit_count() == audited
    assert db.session.scalars(select(AuditEntry.why).where(
        AuditEntry.target_id == item.id,
        AuditEntry.action.like("citation.%"))).all() == ["first"]
