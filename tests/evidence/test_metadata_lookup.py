"""Metadata lookup from the moderator's button: recorded NCBI and Crossref answers.

No network: the app's lookup is built with a transport that serves the real
responses recorded in tests/data/lookup/ and counts what it was asked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, CitationLookup
from forum.services.citations import (
    CitationRejected,
    citation_for,
    fetch_metadata,
    read_identifier,
)
from forum.services.lookup_cache import make_lookup

# Search in memory: these tests import small archives many times over.
pytestmark = pytest.mark.search_backend("whoosh-ram")

DATA = Path(__file__).resolve().parents[1] / "data" / "lookup"
ANSWERS = {
    "esummary.fcgi": "esummary-pubmed-30939045.json",
    "10.1371": "crossref-work-10.1371_journal.pone.0033693.json",
}


class Recorded:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, url: str, headers) -> bytes:
        self.asked.append(url)
        name = next(file for key, file in ANSWERS.items() if key in url)
        return (DATA / name).read_bytes()


@pytest.fixture
def transport(app) -> Recorded:
    recorded = Recorded()
    app.config.update(FORUM_CITATION_LOOKUP="1",
                      FORUM_NCBI_EMAIL="archive@example.org")
    app.extensions["forum_lookup"] = make_lookup(app.config, lambda: db.session,
                                                 transport=recorded)
    return recorded


def get_lookup():
    return current_app.extensions.get("forum_lookup")


def test_lookup_is_off_by_default(app, moderator):
    citation = citation_for(db.session, read_identifier("PMID 30939045"))
    assert get_lookup() is None
    with pytest.raises(CitationRejected, match="switched off"):
        fetch_metadata(db.session, moderator, citation, get_lookup())


def test_a_pmid_is_filled_from_esummary_and_cached(app, moderator, transport):
    citation = citation_for(db.session, read_identifier("PMID 30939045"))
    fetch_metadata(db.session, moderator, citation, get_lookup())
    assert citation.title.startswith("Rare Protein-Truncating Variants in APOB")
    assert citation.container_title and citation.issued.startswith("2019")
    assert citation.metadata_source == "ncbi" and citation.authors
    assert "tool=" in transport.asked[0] and "email=" in transport.asked[0]
    fetch_metadata(db.session, moderator, citation, get_lookup())
    assert len(transport.asked) == 1  # the second answer came from the database
    assert db.session.scalar(select(func.count(CitationLookup.key))) == 1
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.target_type == "citation")).all()
    assert actions == ["citation.metadata", "citation.metadata"]


def test_a_doi_is_filled_from_crossref(app, moderator, transport, client):
    citation = citation_for(db.session,
                            read_identifier("doi:10.1371/journal.pone.0033693"))
    fetch_metadata(db.session, moderator, citation, get_lookup())
    db.session.commit()
    assert citation.title.startswith("Methylphenidate Exposure Induces")
    assert citation.container_title == "PLoS ONE"
    assert "mailto=" in transport.asked[0]
    page = client.get(f"/citations/{citation.id}/").get_data(as_text=True)
    assert "Methylphenidate Exposure Induces" in page and "from Crossref" in page


def test_urls_and_isbns_are_not_looked_up(app, moderator, transport):
    citation = citation_for(db.session, read_identifier("https://example.org/a"))
    with pytest.raises(CitationRejected, match="Only PMIDs"):
        fetch_metadata(db.session, moderator, citation, get_lookup())
    assert transport.asked == []


def test_switching_lookups_on_without_a_contact_stops_the_app(tmp_path):
    from forum import create_app
    from forum.citations.lookup import LookupMisconfigured

    with pytest.raises(LookupMisconfigured, match="FORUM_NCBI_EMAIL"):
        create_app({"FORUM_DATA_DIR": str(tmp_path), "FORUM_CITATION_LOOKUP": "1",
                    "FORUM_SEARCH_BACKEND": "null"})
