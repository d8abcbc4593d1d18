"""The review queue on the project's seed thread and articles."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Flag, Post
from forum.services.audit import utcnow
from forum.services.evidence import label_post
from forum.services.queue import QueueFilter, queue_items, queue_sizes

pytestmark = pytest.mark.search_backend("whoosh-ram")
SAMPLES = Path(__file__).resolve().parents[2] / "samples"
ARTICLE = SAMPLES / "article-magnesium-essential-tremor.txt"


@pytest.fixture
def archive(app, seed_post, import_sources):
    import_sources(*sorted(SAMPLES.glob("article-*.txt")), fmt="article",
                   group="articles.magnesium")
    tremor = db.session.scalar(select(Post).where(
        Post.subject.contains("Essential Tremor"), Post.parent_id.is_(None)))
    return seed_post, tremor


def _item(items, kind, post):
    return next((i for i in items if i.kind == kind and i.post.id == post.id), None)


def test_claims_and_suggested_citations_are_queued_with_reasons(app, archive):
    first, tremor = archive
    items = queue_items(db.session, QueueFilter())
    tremor_claim = _item(items, "claim", tremor)
    assert tremor_claim is not None
    assert any("75% of participants" in reason for reason in tremor_claim.reasons)
    seed_claim = _item(items, "claim", first)
    assert seed_claim is not None
    assert any("225% the RDA" in reason for reason in seed_claim.reasons)
    citations = _item(items, "citation", first)
    assert citations is not None and citations.count == 14


def test_a_label_takes_a_post_out_of_the_claims(app, archive, moderator):
    first, _tremor = archive
    label_post(db.session, moderator, first, "needs_source", "Which studies?")
    items = queue_items(db.session, QueueFilter(kind="claim"))
    assert _item(items, "claim", first) is None
    assert all(item.kind == "claim" for item in items)


def test_flags_come_first_and_filters_narrow(app, archive):
    first, tremor = archive
    db.session.add(Flag(post_id=tremor.id, reason="misinformation", client="x" * 32,
                        created_at=utcnow(), status="pending"))
    db.session.flush()
    items = queue_items(db.session, QueueFilter())
    assert (items[0].kind, items[0].post.id) == ("flag", tremor.id)
    assert queue_sizes(db.session)["flag"] == 1
    in_group = queue_items(db.session, QueueFilter(group="articles.magnesium"))
    assert in_group and all(i.post.id != first.id for i in in_group)
    by_age = queue_items(db.session, QueueFilter(sort="age"))
    dates = [i.post.date for i in by_age if i.post.date]
    assert dates == sorted(dates)


def test_the_queue_page(app, client, auth, archive, moderator):
    first, tremor = archive
    assert client.get("/mod/queue").status_code == 302
    auth.login("mara")
    page = client.get("/mod/queue").get_data(as_text=True)
    assert "75% of participants" in page and first.permalink in page
    claims = client.get("/mod/queue?kind=claim").get_data(as_text=True)
    assert 'data-kind="citation"' not in claims and 'data-kind="claim"' in claims
    assert client.get("/mod/queue?since=soon").status_code == 400


def test_claiming_keeps_two_moderators_apart(app, archive, moderator, admin):
    from forum.services.queue_actions import QueueRejected, claim_item

    first, _tremor = archive
    claim_item(db.session, moderator, first, "claim")
    with pytest.raises(QueueRejected, match="mara is already working"):
        claim_item(db.session, admin, first, "claim")
    item = _item(queue_items(db.session, QueueFilter()), "claim", first)
    assert item.claimed_by == "mara"


def test_bulk_dismissal_needs_a_reason_and_is_audited(app, client, auth, archive,
                                                      moderator):
    from forum.models import AuditEntry

    first, tremor = archive
    auth.login("mara")
    refused = auth.post("/mod/queue/dismiss", {"post": [first.permalink],
                                               "kind": "claim", "reason": " "},
                        token_from="/mod/queue")
    assert refused.status_code == 302
    assert _item(queue_items(db.session, QueueFilter()), "claim", first)
    done = auth.post("/mod/queue/dismiss",
                     {"post": [first.permalink, tremor.permalink], "kind": "claim",
                      "reason": "checked, no label needed",
                      "back": "/mod/queue?kind=claim"}, token_from="/mod/queue")
    assert done.status_code == 302 and done.location.endswith("/mod/queue?kind=claim")
    items = queue_items(db.session, QueueFilter())
    assert _item(items, "claim", first) is None
    assert _item(items, "claim", tremor) is None
    assert _item(items, "citation", first) is not None  # other kinds stay
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "queue.dismiss")).all()
    assert {e.post_id for e in entries} == {first.id, tremor.id}
    assert all(e.why == "checked, no label needed" for e in entries)
    off_site = auth.post("/mod/queue/dismiss",
                         {"post": [first.permalink], "reason": "x",
                          "back": "//evil.example"}, token_from="/mod/queue")
    assert off_site.location.endswith("/mod/queue")
