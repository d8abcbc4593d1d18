"""References written out as text (the fmnetwork article's Bagis line): found at
import, offered in the review queue, matched when lookups are on, and attached
or turned down by a moderator."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.citations.matching import NcbiCitationMatcher, ReferenceMatcher
from forum.errors import ForumError
from forum.extensions import db
from forum.models import AuditEntry, PostCitation, PostReference
from forum.services import queue, references
from forum.services.lookup_cache import DatabaseCache
from tests.evidence.conftest import REPO

ARTICLE = REPO / "samples" / "article-fmnetwork-magnesium-fibromyalgia.txt"


@pytest.fixture
def bagis(app, import_sources, taxonomy) -> PostReference:
    import_sources(ARTICLE, fmt="article", group="articles.magnesium")
    return db.session.scalar(select(PostReference))


def test_the_import_finds_the_reference_and_what_it_names(bagis):
    assert bagis.text.startswith("Bagis S, et al. Rheumatology Int")
    assert bagis.status == "unresolved" and bagis.candidates == []
    assert bagis.fields["authors"] == ["Bagis S"] and bagis.fields["et_al"]
    assert bagis.fields["year"] == 2012
    assert bagis.fields["journal"].startswith("Rheumatology Int")
    assert queue.queue_sizes(db.session)["reference"] == 1
    # Scanning again finds it once.
    assert references.record_references(db.session, [bagis.post_id]) == 1
    assert db.session.scalar(select(func.count(PostReference.id))) == 1


def test_the_queue_offers_it_and_a_moderator_attaches_the_paper(bagis, moderator,
                                                                auth, client):
    db.session.commit()
    auth.login("mara")
    page = client.get("/mod/queue?kind=reference").get_data(as_text=True)
    assert "References written as text" in page
    assert "Bagis S, et al. Rheumatology Int" in page and "Not looked up" in page
    answer = auth.post(f"/mod/queue/references/{bagis.id}/decide",
                       {"decision": "confirm", "identifier": "PMID 22271372",
                        "back": "/mod/queue?kind=reference"},
                       token_from="/mod/queue?kind=reference")
    assert answer.status_code == 302
    db.session.refresh(bagis)
    assert bagis.status == "confirmed"
    attached = db.session.scalar(select(PostCitation).where(
        PostCitation.post_id == bagis.post_id, PostCitation.status == "confirmed"))
    assert attached.citation.identifier == "22271372"
    assert attached.note.startswith("Written in the post as: Bagis S, et al.")
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "reference.confirm")) == 1
    assert queue.queue_sizes(db.session)["reference"] == 0


def test_turning_it_down_needs_a_reason(bagis, moderator):
    with pytest.raises(ForumError, match="Say why"):
        references.reject_reference(db.session, moderator, bagis, "")
    references.reject_reference(db.session, moderator, bagis, "A news item")
    assert bagis.status == "rejected"
    with pytest.raises(ForumError, match="rejected already"):
        references.confirm_reference(db.session, moderator, bagis, "PMID 1")
    # A decided reference is not found again by a rescan.
    references.record_references(db.session, [bagis.post_id])
    assert db.session.scalar(select(func.count(PostReference.id))) == 1


def _ecitmatch(asked: list[str]):
    """NCBI's citation matcher answering in its documented pipe format (the
    query line with the PMID appended); hand-written for this reference, since
    no recorded answer for it exists (tests/citations has recorded ones)."""

    def transport(url: str, headers) -> bytes:
        from urllib.parse import parse_qs, urlsplit

        asked.append(url)
        line = parse_qs(urlsplit(url).query)["bdata"][0]
        return (line + "22271372\n").encode()

    return transport


def test_matching_stores_candidates_for_a_moderator(bagis):
    asked: list[str] = []
    source = NcbiCitationMatcher("forum-tests", "archive@example.org",
                                 transport=_ecitmatch(asked), sleep=lambda s: None)
    matcher = ReferenceMatcher([source], DatabaseCache(lambda: db.session))
    assert references.match_references(db.session, matcher) == 1
    [candidate] = bagis.candidates
    assert (candidate["kind"], candidate["value"]) == ("pmid", "22271372")
    assert candidate["source"] == "ncbi-ecitmatch"
    assert "bdata=rheumatology+int|2012|||bagis+s|" in asked[0]
    assert bagis.status == "unresolved"  # a moderator still decides
    assert references.match_references(db.session, matcher) == 0  # asked once
    assert len(asked) == 1


def test_match_says_lookups_are_off(runner, bagis):
    result = runner.invoke(args=["citations", "match"])
    assert result.exit_code != 0 and "lookups are off" in result.output


def test_a_redaction_reaches_the_references_copy_of_the_words(bagis, moderator):
    from forum.models import Post
    from forum.services.takedown_reasons import REDACT_REASONS
    from forum.services.takedowns import redact_post

    redact_post(db.session, moderator, db.session.get(Post, bagis.post_id),
                "Bagis S, et al.", next(iter(REDACT_REASONS)))
    db.session.refresh(bagis)
    assert "Bagis" not in bagis.text
