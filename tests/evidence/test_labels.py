"""Evidence labels on the seed thread's first post: rules, history, what readers see."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import AuditEntry, LabelKind, LabelRevision, PostCitation
from forum.services.citations import citation_for, read_identifier
from forum.services.evidence import (
    LabelRejected,
    label_post,
    revise_label,
    seed_label_kinds,
    withdraw_label,
)

# Search in memory: these tests import small archives many times over.
pytestmark = pytest.mark.search_backend("whoosh-ram")

CLAIM = "magnesium"  # replaced by a real sentence of the post in `sentence`


@pytest.fixture
def sentence(seed_post) -> str:
    """A real sentence of the first post, as a reader sees it."""
    from forum.text.markup import render_post_body
    from forum.text.textquote import visible_text

    text = visible_text(str(render_post_body(seed_post.body_text,
                                             seed_post.body_html)))
    start = text.lower().index("magnesium")
    end = text.index(".", start) + 1
    return text[start:end]


def _pmid(number: str):
    return citation_for(db.session, read_identifier(f"PMID {number}"))


def test_taxonomy_is_seeded_once_with_every_default_kind(app, taxonomy):
    keys = set(db.session.scalars(select(LabelKind.key)))
    assert {"personal_experience", "cites_research", "consistent_with_evidence",
            "limited_evidence", "partly_supported", "misleading", "unsupported",
            "contradicted", "outdated", "needs_source", "source_not_found",
            "misrepresents_source", "medical_advice_caution", "off_topic"} == keys
    assert seed_label_kinds(db.session) == 0
    verdicts = set(db.session.scalars(select(LabelKind.key).where(
        LabelKind.is_verdict.is_(True))))
    assert verdicts == {"consistent_with_evidence", "limited_evidence",
                        "partly_supported", "misleading", "unsupported",
                        "contradicted", "outdated"}


def test_a_span_label_keeps_its_words_and_context(app, seed_post, moderator,
                                                  sentence):
    label = label_post(db.session, moderator, seed_post, "unsupported",
                       "No trial shows this.", exact=sentence)
    assert label.exact == sentence
    assert label.prefix or label.suffix
    assert label.revision == 1 and not label.is_withdrawn


@pytest.mark.parametrize(("kind", "rationale", "exact", "message"), [
    ("unsupported", "  ", None, "rationale is required"),
    ("contradicted", "Trials say otherwise.", None, "needs at least one citation"),
    ("no_such_kind", "x", None, "no label"),
    ("unsupported", "x", "words that are not in the post at all", "not in this post"),
])
def test_bad_labels_are_refused_with_a_reason(app, seed_post, moderator, kind,
                                              rationale, exact, message):
    with pytest.raises(LabelRejected, match=message):
        label_post(db.session, moderator, seed_post, kind, rationale, exact=exact)


def test_verdicts_exclude_each_other_on_the_same_span(app, seed_post, moderator,
                                                      sentence):
    label_post(db.session, moderator, seed_post, "unsupported", "No trial.",
               exact=sentence)
    with pytest.raises(LabelRejected, match="already has the verdict"):
        label_post(db.session, moderator, seed_post, "contradicted", "Trials.",
                   exact=sentence, citations=[_pmid("9068914")])
    with pytest.raises(LabelRejected, match="already has the label"):
        label_post(db.session, moderator, seed_post, "unsupported", "Again.",
                   exact=sentence)
    # A non-verdict on the same span, and a verdict on the whole post, are fine.
    label_post(db.session, moderator, seed_post, "medical_advice_caution",
               "Dosing advice.", exact=sentence)
    label_post(db.session, moderator, seed_post, "limited_evidence", "Small trials.",
               citations=[_pmid("9068914")])


def test_revisions_and_withdrawal_are_kept_in_history(app, seed_post, moderator,
                                                      admin, sentence):
    label = label_post(db.session, moderator, seed_post, "unsupported", "First.",
                       exact=sentence)
    revise_label(db.session, admin, label, kind_key="limited_evidence",
                 rationale="Two small trials.", citations=[_pmid("8988330")],
                 why="found trials", exact=sentence)
    with pytest.raises(LabelRejected, match="Say why"):
        withdraw_label(db.session, admin, label, "")
    withdraw_label(db.session, admin, label, "duplicate of another label")
    history = list(db.session.scalars(select(LabelRevision).where(
        LabelRevision.label_id == label.id).order_by(LabelRevision.revision)))
    assert [(r.revision, r.change, r.kind.key) for r in history] == [
        (1, "created", "unsupported"), (2, "revised", "limited_evidence"),
        (3, "withdrawn", "limited_evidence")]
    assert history[0].rationale == "First." and history[1].citation_ids


def test_audit_entries_never_copy_post_text(app, seed_post, moderator, sentence):
    label = label_post(db.session, moderator, seed_post, "unsupported",
                       "No trial shows this.", exact=sentence)
    withdraw_label(db.session, moderator, label, "mistake")
    entries = list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.target_type == "label")))
    assert [e.action for e in entries] == ["label.create", "label.withdraw"]
    assert entries[0].actor_name == "mara" and entries[0].post_id == seed_post.id
    assert entries[0].after["span"] == f"{len(sentence)} characters"
    dumped = json.dumps([[e.before, e.after, e.why, e.reason] for e in entries])
    assert sentence not in dumped and sentence[:20] not in dumped


def test_readers_see_label_span_and_citation(app, client, seed_post, moderator,
                                             sentence):
    label_post(db.session, moderator, seed_post, "limited_evidence",
               "Small trials only.", exact=sentence, citations=[_pmid("9068914")])
    db.session.commit()
    page = client.get(f"/p/{seed_post.permalink}/").get_data(as_text=True)
    assert "Limited evidence" in page and "Caution" in page
    assert "Small trials only." in page and "Labelled by mara" in page
    assert '<mark class="claim claim-caution"' in page
    assert "https://pubmed.ncbi.nlm.nih.gov/9068914/" in page
    thread = client.get(f"/t/{seed_post.thread_id}/").get_data(as_text=True)
    assert "chip sev-caution" in thread and "Limited evidence" in thread
    api = client.get(f"/api/v1/posts/{seed_post.permalink}").get_json()
    (shown,) = api["labels"]
    assert shown["kind"] == "limited_evidence" and shown["span"]["exact"] == sentence
    assert shown["citations"][0]["identifier"] == "9068914"
    assert shown["citations"][0]["url"] == "https://pubmed.ncbi.nlm.nih.gov/9068914/"
    listed = client.get(f"/api/v1/threads/{seed_post.thread_id}").get_json()["posts"]
    marked = {p["permalink"]: p["labels"] for p in listed}
    assert marked.pop(seed_post.permalink) == [{"kind": "limited_evidence",
                                                "severity": "caution"}]
    assert not any(marked.values())


def test_withdrawn_labels_leave_the_reader_view_but_not_the_history(
        app, client, seed_post, moderator, sentence):
    label = label_post(db.session, moderator, seed_post, "unsupported",
                       "Nothing supports this.", exact=sentence)
    withdraw_label(db.session, moderator, label, "labelled the wrong post")
    db.session.commit()
    page = client.get(f"/p/{seed_post.permalink}/").get_data(as_text=True)
    assert "No evidence labels on this post." in page
    assert '<mark class="claim' not in page
    assert "Evidence history (2 changes)" in page
    assert "labelled the wrong post" in page


def test_undo_is_a_new_action_pointing_back(app, seed_post, moderator, sentence):
    from forum.services.evidence import undo_label_action

    label = label_post(db.session, moderator, seed_post, "unsupported", "First.",
                       exact=sentence)
    revise_label(db.session, moderator, label, kind_key="needs_source",
                 rationale="Which study?", citations=[], exact=sentence)
    revised = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "label.revise"))
    undo_label_action(db.session, moderator, revised)
    assert label.kind.key == "unsupported" and label.rationale == "First."
    undo = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert undo.reverts_id == revised.id and undo.action == "label.revise"
    created = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "label.create"))
    with pytest.raises(LabelRejected, match="changed since"):
        undo_label_action(db.session, moderator, created)
    withdraw_label(db.session, moderator, label, "wrong post")
    withdrawn = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    undo_label_action(db.session, moderator, withdrawn)
    assert not label.is_withdrawn


def test_labels_and_citations_are_searchable_and_follow_changes(
        app, client, seed_post, moderator, sentence):
    from forum.services.citations import decide_suggestion
    from forum.services.search import search_posts

    def found(query: str) -> list[int]:
        return [post.id for post in search_posts(db.session, query).posts]

    assert found("label:unsupported") == [] and found("has:citation") == []
    label = label_post(db.session, moderator, seed_post, "unsupported",
                       "No trial shows this.", exact=sentence)
    db.session.commit()
    assert found("label:unsupported") == [seed_post.id]
    assert found("magnesium has:label") == [seed_post.id]
    suggestion = db.session.scalar(select(PostCitation).where(
        PostCitation.post_id == seed_post.id).order_by(PostCitation.span_start))
    decide_suggestion(db.session, moderator, suggestion, accept=True)
    db.session.commit()
    assert found("has:citation") == [seed_post.id]
    assert found(f"pmid:{suggestion.citation.identifier}") == [seed_post.id]
    withdraw_label(db.session, moderator, label, "wrong")
    db.session.commit()
    assert found("label:unsupported") == []
    api = client.get("/api/v1/search?q=label:unsupported").get_json()
    assert api["total"] == 0
