"""Same-claim propagation on the seeds: a label's claim is found in the other
posts that make it (through the search index and the sentence matcher), put
in the review queue as a proposal, and accepted, edited or rejected there;
posts imported later are checked too; readers see how often it recurs."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from forum.errors import ForumError
from forum.extensions import db
from forum.models import AuditEntry, ClaimProposal, Label, Post
from forum.services import propagation, queue
from forum.services.citations import citations_from_text
from forum.services.evidence import label_post
from tests.evidence.conftest import REPO, SEED_THREAD

ARTICLES = sorted((REPO / "samples").glob("article-*.txt"))
CLAIM = ("Magnesium helps facilitate muscle relaxation, acting as a natural "
         "calcium channel blocker")
SETTINGS = propagation.Settings()


@pytest.fixture
def seeds(app, import_sources, taxonomy):
    import_sources(SEED_THREAD, fmt="google-groups", group="alt.support.fibromyalgia")
    import_sources(*ARTICLES, fmt="article", group="articles.magnesium")
    propagation.forget_weights()
    db.session.commit()


def _post(words: str) -> Post:
    return db.session.scalar(select(Post).where(Post.body_text.contains(words)))


def _label_claim(moderator) -> Label:
    post = _post("acting as a natural calcium channel blocker")
    label = label_post(db.session, moderator, post, "partly_supported",
                       "Magnesium opposes calcium at the membrane; tablets are "
                       "not calcium-channel-blocking drugs.", exact=CLAIM,
                       citations=citations_from_text(db.session, "PMID 29738504"))
    return label


def test_the_calcium_channel_blocker_claim_proposes_the_tremor_article_only(
        seeds, moderator):
    label = _label_claim(moderator)
    made = propagation.propose_for_label(db.session, label, SETTINGS)
    tremor = _post("Magnesium: A Natural Calcium Channel Blocker for Essential Tremor")
    assert [p.post_id for p in made] == [tremor.id]
    [proposal] = made
    assert "calcium channel blocker" in proposal.exact.lower()
    assert proposal.exact in tremor.body_text.replace("\n", " ") or \
        " ".join(proposal.exact.split()) in " ".join(tremor.body_text.split())
    assert proposal.score >= SETTINGS.threshold
    assert "shared words" in proposal.explanation["text"]
    assert proposal.status == "proposed"
    # Asking again proposes nothing twice.
    assert propagation.propose_for_label(db.session, label, SETTINGS) == []


def test_a_proposal_waits_in_the_queue_with_both_spans(seeds, moderator, auth,
                                                       client):
    label = _label_claim(moderator)
    propagation.propose_for_label(db.session, label, SETTINGS)
    db.session.commit()
    assert queue.queue_sizes(db.session)["proposal"] == 1
    auth.login("mara")
    page = client.get("/mod/queue?kind=proposal").get_data(as_text=True)
    assert "Same claim as a labelled one" in page
    assert f"&ldquo;{CLAIM}&rdquo;" in page  # the labelled claim
    assert "Similarity 0." in page and "shared words" in page
    assert "Original verdict" in page and "Partly supported" in page
    assert "Accept: same claim" in page and "Reject" in page


def test_accepting_labels_the_matched_span_linked_to_the_original(seeds, moderator):
    label = _label_claim(moderator)
    [proposal] = propagation.propose_for_label(db.session, label, SETTINGS)
    new = propagation.accept_proposal(db.session, moderator, proposal)
    db.session.commit()
    assert new.post_id == proposal.post_id and new.exact == proposal.exact
    assert new.derived_from_id == label.id
    assert (new.kind.key, new.rationale) == (label.kind.key, label.rationale)
    assert [c.id for c in new.citations] == [c.id for c in label.citations]
    assert proposal.status == "accepted" and proposal.label_id == new.id
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "proposal.accept")) == 1
    assert queue.queue_sizes(db.session)["proposal"] == 0
    with pytest.raises(ForumError, match="accepted already"):
        propagation.reject_proposal(db.session, moderator, proposal, "late")


def test_editing_changes_the_verdict_and_keeps_the_link(seeds, moderator, auth,
                                                        client):
    label = _label_claim(moderator)
    [proposal] = propagation.propose_for_label(db.session, label, SETTINGS)
    db.session.commit()
    auth.login("mara")
    path = f"/mod/queue/proposals/{proposal.id}"
    page = client.get(path).get_data(as_text=True)
    assert "Accept as edited" in page and label.rationale in page
    answer = auth.post(path, {"kind": "unsupported", "exact": proposal.exact,
                              "rationale": "Here it is sold as a tremor cure.",
                              "citations": ""}, token_from=path)
    assert answer.status_code == 302
    new = db.session.scalar(select(Label).where(Label.derived_from_id == label.id))
    assert new.kind.key == "unsupported"
    assert new.rationale == "Here it is sold as a tremor cure."
    db.session.refresh(proposal)
    assert proposal.status == "accepted" and proposal.reason == "edited"


def test_rejecting_needs_a_reason_and_is_never_proposed_again(seeds, moderator):
    label = _label_claim(moderator)
    [proposal] = propagation.propose_for_label(db.session, label, SETTINGS)
    with pytest.raises(ForumError, match="Say why"):
        propagation.reject_proposal(db.session, moderator, proposal, "  ")
    propagation.reject_proposal(db.session, moderator, proposal,
                                "A heading about the tremor article's thesis")
    db.session.commit()
    assert propagation.propose_for_label(db.session, label, SETTINGS) == []
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "proposal.reject")) == 1


def test_readers_see_how_many_other_posts_make_the_claim(seeds, moderator, client):
    label = _label_claim(moderator)
    propagation.propose_for_label(db.session, label, SETTINGS)
    db.session.commit()
    page = client.get(f"/p/{label.post_id and _permalink(label.post_id)}/")
    assert "The same claim appears in 1 other post." in page.get_data(as_text=True)


def test_a_hidden_post_is_neither_queued_nor_counted(seeds, moderator, client):
    from forum.services.moderation import hide_post

    label = _label_claim(moderator)
    [proposal] = propagation.propose_for_label(db.session, label, SETTINGS)
    hide_post(db.session, moderator, db.session.get(Post, proposal.post_id),
              "spam", "test")
    db.session.commit()
    assert queue.queue_sizes(db.session)["proposal"] == 0
    page = client.get(f"/p/{_permalink(label.post_id)}/").get_data(as_text=True)
    assert "The same claim appears in" not in page


def test_a_post_imported_later_is_checked_against_labelled_claims(
        seeds, moderator, import_sources, tmp_path):
    label = _label_claim(moderator)
    db.session.commit()
    box = mailbox.mbox(tmp_path / "later.mbox")
    box.add(_message("<later-1@example.org>", "Twitches",
                     "I read that magnesium acts as a natural calcium channel "
                     "blocker and helps muscle relaxation.\n"))
    box.add(_message("<later-2@example.org>", "Re: Twitches",
                     "> magnesium acts as a natural calcium channel blocker\n\n"
                     "Quoting it does not make it true.\n"))
    box.add(_message("<later-3@example.org>", "Weather", "It rained all week.\n"))
    box.close()
    import_sources(tmp_path / "later.mbox", group="misc.later")
    made = db.session.scalars(select(ClaimProposal).where(
        ClaimProposal.source_label_id == label.id)).all()
    assert [_msgid(p.post_id) for p in made] == ["later-1@example.org"]


def test_a_short_claim_that_leans_on_its_context_is_not_looked_for(seeds, moderator):
    post = _post("But all of these same changes are found also")
    label = label_post(db.session, moderator, post, "source_not_found",
                       "The linked records could not be found.",
                       exact="But all of these same changes are found also in "
                             "magnesium deficiencies:")
    assert propagation.propose_for_label(db.session, label, SETTINGS) == []


def test_the_threshold_is_read_from_configuration():
    assert propagation.settings_from_config(
        {"FORUM_CLAIM_MATCH_THRESHOLD": "0.6"}).threshold == 0.6
    assert not propagation.settings_from_config(
        {"FORUM_CLAIM_PROPAGATION": "off"}).enabled
    for bad in ("high", "0", "1.5"):
        with pytest.raises(ForumError, match="FORUM_CLAIM_MATCH_THRESHOLD"):
            propagation.settings_from_config({"FORUM_CLAIM_MATCH_THRESHOLD": bad})


def _message(message_id: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Pat <pat@example.org>"
    msg["Subject"], msg["Message-ID"] = subject, message_id
    msg["Date"] = "Mon, 02 Oct 2000 10:00:00 +0000"
    msg.set_content(body)
    return msg


def _permalink(post_id: int) -> str:
    return db.session.get(Post, post_id).permalink


def _msgid(post_id: int) -> str:
    return db.session.get(Post, post_id).message_id


def test_a_redaction_reaches_the_proposals_copy_of_the_words(seeds, moderator):
    from forum.services.takedown_reasons import REDACT_REASONS
    from forum.services.takedowns import redact_post

    label = _label_claim(moderator)
    [proposal] = propagation.propose_for_label(db.session, label, SETTINGS)
    assert "natural calcium channel blocker" in proposal.exact
    redact_post(db.session, moderator, db.session.get(Post, proposal.post_id),
                "natural calcium channel blocker", next(iter(REDACT_REASONS)))
    db.session.refresh(proposal)
    assert "natural calcium channel blocker" not in proposal.exact


def test_labelling_from_the_queue_proposes_the_same_claim(seeds, moderator, auth,
                                                          client):
    from forum.models import ClaimHint
    from forum.text.markup import post_plain_text

    post = _post("acting as a natural calcium channel blocker")
    at = post_plain_text(post.body_text, post.body_html).index(CLAIM)
    hint = ClaimHint(post_id=post.id, rule="study", start=at, end=at + len(CLAIM),
                     text=CLAIM)
    db.session.add(hint)
    db.session.commit()
    auth.login("mara")
    answer = auth.post("/mod/queue/label", {
        "one": post.permalink, "span": str(hint.id), "kind": "unsupported",
        "rationale": "Not a drug.", "back": "/mod/queue"}, token_from="/mod/queue")
    assert answer.status_code == 302
    page = client.get("/mod/queue").get_data(as_text=True)
    assert "The same claim seems to appear in 1 other post" in page
    [proposal] = db.session.scalars(select(ClaimProposal)).all()
    tremor = _post("Magnesium: A Natural Calcium Channel Blocker for Essential Tremor")
    assert proposal.post_id == tremor.id


def test_the_queue_reads_proposals_with_their_source_labels_at_once(seeds, moderator):
    """A queue page of proposals costs the same few queries however many
    there are: each source label and its citations come with them."""
    from sqlalchemy import event

    label = _label_claim(moderator)
    made = propagation.propose_for_label(db.session, label, SETTINGS)
    db.session.commit()
    db.session.expire_all()
    found = propagation.proposals_on_posts(db.session, [p.post_id for p in made])
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        shown = [(p.source_label.kind.display_name, len(p.source_label.citations))
                 for proposals in found.values() for p in proposals]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert shown == [("Partly supported", 1)]
    assert statements == []
