"""Citations found in posts at import, confirmed or rejected by moderators."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, Citation, PostCitation
from forum.services.citation_scan import suggest_citations
from forum.services.citations import attach_citation, decide_suggestion, posts_citing
from tests.evidence.conftest import SEED_THREAD

# Search in memory: these tests import small archives many times over.
pytestmark = pytest.mark.search_backend("whoosh-ram")

# The first post's 14 legacy PubMed links, in order (8988330 appears twice).
SEED_PMIDS = ["9068914", "9506567", "8988330", "7847586", "8399369", "2812517",
              "10192096", "1512769", "6536834", "1227505", "9529585", "9641824",
              "7738680", "8988330"]


def _suggestions(post):
    return list(db.session.scalars(
        select(PostCitation).where(PostCitation.post_id == post.id,
                                   PostCitation.origin == "scan")
        .order_by(PostCitation.span_start)))


def test_the_seed_posts_pubmed_links_are_suggested_at_import(app, seed_post):
    found = _suggestions(seed_post)
    assert len(found) == 14
    assert len({s.citation_id for s in found}) == 13
    assert all(s.status == "suggested" and s.citation.kind == "pmid" for s in found)
    assert [s.citation.identifier for s in found] == SEED_PMIDS
    for item in found:
        assert item.citation.url == (
            f"https://pubmed.ncbi.nlm.nih.gov/{item.citation.identifier}/")
        assert item.citation.identifier in item.span_text
        assert "templejc" not in item.span_text and "fibromyalgie" not in item.span_text
    assert "list_uids=9068914" in next(s.span_text for s in found
                                       if s.citation.identifier == "9068914")


def test_scanning_again_and_reimporting_add_nothing(app, seed_post, import_sources):
    before = db.session.scalar(select(func.count(PostCitation.id)))
    assert suggest_citations(db.session, [seed_post.id]) == 0
    import_sources(SEED_THREAD, fmt="google-groups", group="alt.support.fibromyalgia")
    assert db.session.scalar(select(func.count(PostCitation.id))) == before


def test_confirm_and_reject_are_audited(app, seed_post, moderator, client):
    first, second = _suggestions(seed_post)[:2]
    decide_suggestion(db.session, moderator, first, accept=True)
    decide_suggestion(db.session, moderator, second, accept=False, why="a letter")
    db.session.commit()
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(
        AuditEntry.id)))
    assert actions[-2:] == ["citation.confirm", "citation.reject"]
    page = client.get(f"/p/{seed_post.permalink}/").get_data(as_text=True)
    assert first.citation.url in page          # confirmed: readers see it
    assert f'href="{second.citation.url}"' not in page.split('id="evidence"')[1]


def test_one_record_per_work_listing_every_post_citing_it(app, seed_post,
                                                          moderator, client):
    reply = db.session.scalar(select(type(seed_post)).where(
        type(seed_post).parent_id == seed_post.id).limit(1))
    attach_citation(db.session, moderator, reply, "PMID: 9068914", "same trial")
    decide_suggestion(db.session, moderator, next(
        s for s in _suggestions(seed_post) if s.citation.identifier == "9068914"),
        accept=True)
    db.session.commit()
    records = db.session.scalars(select(Citation).where(
        Citation.kind == "pmid", Citation.identifier == "9068914")).all()
    assert len(records) == 1
    assert {p.id for p in posts_citing(db.session, records[0])} == {seed_post.id,
                                                                   reply.id}
    page = client.get(f"/citations/{records[0].id}/").get_data(as_text=True)
    assert "Posts citing this (2)" in page
    assert "https://pubmed.ncbi.nlm.nih.gov/9068914/" in page


