"""Evidence exports: CSV, JSON and ClaimReview, and nothing hidden in any of them."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post, PostCitation
from forum.services.citations import citation_for, decide_suggestion, read_identifier
from forum.services.evidence import label_post, withdraw_label
from forum.services.moderation import hide_post

pytestmark = pytest.mark.search_backend("whoosh-ram")
CLAIM = "Magnesium deficiency is very common in the general US population."
EXPORTS = ("/export/labels.csv", "/export/citations.csv", "/export/evidence.json",
           "/export/claimreview.jsonld")


@pytest.fixture
def labelled(app, seed_post, moderator):
    verdict = label_post(db.session, moderator, seed_post, "limited_evidence",
                         "Surveys differ on how common it is.", exact=CLAIM,
                         citations=[citation_for(db.session,
                                                 read_identifier("PMID 9068914"))])
    context = label_post(db.session, moderator, seed_post, "medical_advice_caution",
                         "Talk to a doctor before supplementing.")
    first = db.session.scalar(select(PostCitation).where(
        PostCitation.post_id == seed_post.id).order_by(PostCitation.span_start))
    decide_suggestion(db.session, moderator, first, accept=True)
    reply = db.session.scalar(select(Post).where(Post.parent_id == seed_post.id))
    label_post(db.session, moderator, reply, "unsupported", "No source given.")
    db.session.commit()
    return seed_post, reply, verdict, context


def test_label_and_citation_csv(app, client, labelled):
    post, reply, verdict, _context = labelled
    response = client.get("/export/labels.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["kind"], r["post"]) for r in rows] == [
        ("limited_evidence", post.permalink), ("medical_advice_caution",
                                               post.permalink),
        ("unsupported", reply.permalink)]
    assert rows[0]["span"] == CLAIM and rows[1]["span"] == ""
    assert rows[0]["citations"] == "https://pubmed.ncbi.nlm.nih.gov/9068914/"
    assert rows[0]["post_url"].endswith(f"/p/{post.permalink}/")
    cited = list(csv.DictReader(io.StringIO(
        client.get("/export/citations.csv").get_data(as_text=True))))
    assert {(r["post"], r["identifier"]) for r in cited} == {
        (post.permalink, "9068914")}


def test_claimreview_for_verdicts_only(app, client, labelled):
    post, reply, verdict, _context = labelled
    reviews = client.get("/export/claimreview.jsonld")
    assert reviews.mimetype == "application/ld+json"
    data = reviews.get_json()
    assert [r["reviewRating"]["alternateName"] for r in data] == [
        "Limited evidence", "Unsupported"]
    first = data[0]
    assert first["@type"] == "ClaimReview" and first["claimReviewed"] == CLAIM
    assert first["reviewRating"]["ratingValue"] == 3
    assert first["itemReviewed"]["appearance"]["url"].endswith(
        f"/p/{post.permalink}/")
    assert first["author"]["@type"] == "Organization"
    assert first["url"].endswith(f"#label-{verdict.id}")
    assert data[1]["claimReviewed"] == reply.subject


def test_hidden_posts_and_withdrawn_labels_are_never_exported(app, client, labelled,
                                                              moderator):
    post, reply, verdict, context = labelled
    withdraw_label(db.session, moderator, context, "duplicate")
    hide_post(db.session, moderator, reply, "other")
    db.session.commit()
    for url in EXPORTS:
        text = client.get(url).get_data(as_text=True)
        assert reply.permalink not in text, url
        assert "No source given." not in text, url
        assert "Talk to a doctor" not in text, url
    assert CLAIM in client.get("/export/evidence.json").get_data(as_text=True)


def test_csv_cells_cannot_become_spreadsheet_formulas(app, client, seed_post,
                                                      moderator):
    label_post(db.session, moderator, seed_post, "needs_source",
               "=HYPERLINK(\"http://evil.example\")")
    db.session.commit()
    rows = list(csv.DictReader(io.StringIO(
        client.get("/export/labels.csv").get_data(as_text=True))))
    assert rows[0]["rationale"].startswith("'=")
