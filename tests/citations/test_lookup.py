"""Citation metadata lookup, on recorded real answers (tests/data/lookup/SOURCES.md).

No test touches the network: a transport serves the recorded files and notes
every URL and header it was asked for.
"""

from __future__ import annotations

import json

import pytest

from forum.citations import crossref, ncbi
from forum.citations.clients import RateLimiter, urllib_transport
from forum.citations.kinds import Identifier
from forum.citations.lookup import (
    MISSING,
    CachedLookup,
    Crossref,
    DictCache,
    LookupFailed,
    LookupMisconfigured,
    NcbiEsummary,
    lookup_from_config,
)
from tests.citations.recorded import DATA, FakeClock, RecordedTransport, recorded

PUBMED_30939045 = "esummary-pubmed-30939045.json"
UNKNOWN_UID = "esummary-unknown-uid.json"  # uid 99999999
PLOS_WORK = "crossref-work-10.1371_journal.pone.0033693.json"
CAIS_WORK = "crossref-work-10.17705_1cais.04607.json"
NOT_FOUND_404 = "crossref-404-resource-not-found.txt"

PMID = Identifier("pmid", "30939045")
PLOS_DOI = Identifier("doi", "10.1371/journal.pone.0033693")




def ncbi_source(transport, **kwargs) -> NcbiEsummary:
    clock = FakeClock()
    return NcbiEsummary("forum-archive", "archive@example.org", transport=transport,
                        clock=clock, sleep=clock.sleep, **kwargs)


# --- NCBI esummary -----------------------------------------------------------


def test_esummary_answer_becomes_csl():
    payload = json.loads(recorded(PUBMED_30939045))
    item = ncbi.parse_esummary(payload, "30939045")
    assert item["title"] == (
        "Rare Protein-Truncating Variants in APOB, Lower Low-Density Lipoprotein "
        "Cholesterol, and Protection Against Coronary Heart Disease")
    assert item["author"][0] == {"family": "Peloso", "given": "GM"}
    assert {"family": "Lester Kirchner", "given": "H"} in item["author"]
    assert len(item["author"]) == 26
    assert item["container-title"] == "Circulation. Genomic and precision medicine"
    assert item["issued"] == {"date-parts": [[2019, 5]]}
    assert (item["volume"], item["issue"], item["page"]) == ("12", "5", "e002376")
    assert item["PMID"] == "30939045"
    assert item["PMCID"] == "PMC7044908"  # not the "pmc-id: ...;" entry
    assert item["DOI"] == "10.1161/CIRCGEN.118.002376"
    assert item["URL"] == "https://pubmed.ncbi.nlm.nih.gov/30939045/"


def test_ncbi_is_asked_with_tool_email_and_json():
    transport = RecordedTransport({"id=30939045": (200, PUBMED_30939045)})
    item = ncbi_source(transport).fetch(PMID)
    assert item["PMID"] == "30939045"
    url, headers = transport.asked[0]
    assert url.startswith("https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esummary.fcgi?")
    assert transport.query() == {
        "db": ["pubmed"], "id": ["30939045"], "retmode": ["json"],
        "tool": ["forum-archive"], "email": ["archive@example.org"]}
    assert headers["User-Agent"] == "forum-archive (mailto:archive@example.org)"


def test_ncbi_api_key_is_sent_and_raises_the_rate():
    transport = RecordedTransport({"id=30939045": (200, PUBMED_30939045)})
    source = ncbi_source(transport, api_key="secret-key")
    source.fetch(PMID)
    assert transport.query()["api_key"] == ["secret-key"]
    assert source.limiter.per_second == 10
    assert ncbi_source(transport).limiter.per_second == 3


def test_unknown_pmid_is_none():
    transport = RecordedTransport({"id=99999999": (200, UNKNOWN_UID)})
    assert ncbi_source(transport).fetch(Identifier("pmid", "99999999")) is None


def test_pmcid_is_asked_of_the_pmc_database_by_its_digits():
    transport = RecordedTransport({"id=99999999": (200, UNKNOWN_UID)})
    assert ncbi_source(transport).fetch(Identifier("pmcid", "PMC99999999")) is None
    assert transport.query()["db"] == ["pmc"]
    assert transport.query()["id"] == ["99999999"]


# Hand-written inputs (not recorded answers) for single parser rules below.
@pytest.mark.parametrize(("name", "expected"), [
    ("Abraham GE", {"family": "Abraham", "given": "GE"}),
    ("Lester Kirchner H", {"family": "Lester Kirchner", "given": "H"}),
    ("Smith JA Jr", {"family": "Smith", "given": "JA", "suffix": "Jr"}),
    ("van der Berg J", {"family": "van der Berg", "given": "J"}),
    ("Fibromyalgia Study Group", {"literal": "Fibromyalgia Study Group"}),
    ("Madonna", {"literal": "Madonna"}),
])
def test_pubmed_display_names(name, expected):
    assert ncbi.author_from_name(name) == expected


@pytest.mark.parametrize(("pubdate", "sortpubdate", "parts"), [
    ("2019 May", "2019/05/01 00:00", [2019, 5]),
    ("2000 Nov 12", "2000/11/12 00:00", [2000, 11, 12]),
    ("1992 Jan-Feb", "1992/01/01 00:00", [1992, 1]),
    ("2013 Spring", "2013/03/01 00:00", [2013]),
    ("", "2019/05/01 00:00", [2019]),
])
def test_pubmed_dates_keep_only_the_precision_given(pubdate, sortpubdate, parts):
    record = {"pubdate": pubdate, "sortpubdate": sortpubdate}
    assert ncbi.record_to_csl(record)["issued"] == {"date-parts": [parts]}


def test_collective_authors_are_literal_and_editors_left_out():
    record = {"authors": [  # hand-written
        {"name": "Abraham GE", "authtype": "Author"},
        {"name": "ATLAS Collaboration", "authtype": "CollectiveName"},
        {"name": "Smith J", "authtype": "Editor"}]}
    assert ncbi.record_to_csl(record)["author"] == [
        {"family": "Abraham", "given": "GE"}, {"literal": "ATLAS Collaboration"}]


# --- Crossref ------------------------------------------------------------------


def test_crossref_work_becomes_csl():
    item = crossref.parse_work(json.loads(recorded(PLOS_WORK)))
    assert item == {
        "title": "Methylphenidate Exposure Induces Dopamine Neuron Loss and "
                 "Activation of Microglia in the Basal Ganglia of Mice",
        "author": [
            {"family": "Sadasivan", "given": "Shankar"},
            {"family": "Pond", "given": "Brooks B."},
            {"family": "Pani", "given": "Amar K."},
            {"family": "Qu", "given": "Chunxu"},
            {"family": "Jiao", "given": "Yun"},
            {"family": "Smeyne", "given": "Richard J."}],
        "container-title": "PLoS ONE",
        "issued": {"date-parts": [[2012, 3, 21]]},
        "volume": "7",
        "issue": "3",
        "page": "e33693",
        "DOI": "10.1371/journal.pone.0033693",
        "URL": "http://dx.doi.org/10.1371/journal.pone.0033693",
    }


def test_crossref_institutions_deposited_as_authors_stay_literal():
    item = crossref.parse_work(json.loads(recorded(CAIS_WORK)))
    assert item["author"][:2] == [
        {"family": "Schryen", "given": "Guido"}, {"literal": "Paderborn University"}]
    assert {"family": "Paré", "given": "Guy"} in item["author"]
    assert item["issued"] == {"date-parts": [[2021]]}
    assert item["page"] == "134-186"


def test_crossref_is_asked_with_mailto():
    transport = RecordedTransport({"pone.0033693": (200, PLOS_WORK)})
    source = Crossref("archive@example.org", transport=transport)
    assert source.fetch(PLOS_DOI)["volume"] == "7"
    url, headers = transport.asked[0]
    assert url.startswith("https://api.crossref.org/works/10.1371/journal.pone.0033693?")
    assert transport.query() == {"mailto": ["archive@example.org"]}
    assert "mailto:archive@example.org" in headers["User-Agent"]


def test_crossref_404_is_none():
    assert recorded(NOT_FOUND_404) == b"Resource not found."
    transport = RecordedTransport({"notarealdoi": (404, NOT_FOUND_404)})
    source = Crossref("archive@example.org", transport=transport)
    assert source.fetch(Identifier("doi", "10.1371/notarealdoi")) is None


def test_crossref_no_date_placeholder_is_dropped():
    # hand-written: Crossref's placeholder for a work without a date
    assert crossref.message_to_csl({"issued": {"date-parts": [[None]]}}) == {}


# --- Failures are reported, never cached ----------------------------------------


@pytest.mark.parametrize(("transport", "says"), [
    (RecordedTransport({"id=30939045": (502, PUBMED_30939045)}), "HTTP 502"),
    (lambda url, headers: recorded(PUBMED_30939045)[:300], "not JSON"),
    (lambda url, headers: b"\xff\xfe<html>", "not JSON"),
    (RecordedTransport({"id=30939045": (200, PLOS_WORK)}), "no 'result'"),
])
def test_ncbi_failures_raise_lookup_failed(transport, says):
    with pytest.raises(LookupFailed, match=says) as caught:
        ncbi_source(transport).fetch(PMID)
    assert "pmid 30939045" in str(caught.value)


def test_failure_messages_never_carry_the_api_key():
    transport = RecordedTransport({"id=30939045": (500, PUBMED_30939045)})
    with pytest.raises(LookupFailed) as caught:
        ncbi_source(transport, api_key="secret-key").fetch(PMID)
    assert "secret-key" not in str(caught.value)


def test_crossref_server_error_raises():
    transport = RecordedTransport({"pone.0033693": (503, PLOS_WORK)})
    with pytest.raises(LookupFailed, match="HTTP 503"):
        Crossref("archive@example.org", transport=transport).fetch(PLOS_DOI)


def test_urllib_transport_reads_and_reports_errors():
    url = (DATA / NOT_FOUND_404).as_uri()
    assert urllib_transport(url, {}) == b"Resource not found."
    with pytest.raises(LookupFailed):
        urllib_transport((DATA / "no-such-file.json").as_uri(), {})


# --- Cache and routing ----------------------------------------------------------


def two_source_lookup(transport, cache=None) -> CachedLookup:
    sources = [ncbi_source(transport), Crossref("a@example.org", transport=transport)]
    return CachedLookup(sources, cache if cache is not None else DictCache())


def test_answers_come_from_the_cache_the_second_time():
    transport = RecordedTransport({"id=30939045": (200, PUBMED_30939045),
                                   "pone.0033693": (200, PLOS_WORK)})
    cache = DictCache()
    lookup = two_source_lookup(transport, cache)
    first = lookup.lookup(PMID)
    assert lookup.lookup(PMID) == first
    assert lookup.lookup(PLOS_DOI)["DOI"] == "10.1371/journal.pone.0033693"
    assert lookup.lookup(Identifier("doi", "10.1371/JOURNAL.PONE.0033693"))
    assert len(transport.asked) == 2
    assert cache.get("ncbi:pmid:30939045") == first
    assert "crossref:doi:10.1371/journal.pone.0033693" in cache.entries


def test_not_found_is_cached_too():
    transport = RecordedTransport({"id=99999999": (200, UNKNOWN_UID)})
    cache = DictCache()
    lookup = two_source_lookup(transport, cache)
    unknown = Identifier("pmid", "99999999")
    assert lookup.lookup(unknown) is None
    assert lookup.lookup(unknown) is None
    assert len(transport.asked) == 1
    assert cache.get("ncbi:pmid:99999999") is None


def test_failures_are_not_cached():
    answers = {"id=30939045": (503, PUBMED_30939045)}
    transport = RecordedTransport(answers)
    cache = DictCache()
    lookup = two_source_lookup(transport, cache)
    with pytest.raises(LookupFailed):
        lookup.lookup(PMID)
    assert cache.get("ncbi:pmid:30939045") is MISSING
    answers["id=30939045"] = (200, PUBMED_30939045)
    assert lookup.lookup(PMID)["PMID"] == "30939045"


@pytest.mark.parametrize("identifier", [
    Identifier("isbn", "9780262510875"),
    Identifier("arxiv", "1706.03762"),
    Identifier("url", "https://example.org/paper"),
])
def test_kinds_without_a_source_are_not_looked_up(identifier):
    transport = RecordedTransport({})
    lookup = two_source_lookup(transport)
    assert not lookup.handles(identifier.kind)
    assert lookup.lookup(identifier) is None
    assert transport.asked == []


# --- Rate limits -----------------------------------------------------------------


def test_rate_limiter_allows_three_per_second():
    clock = FakeClock()
    limiter = RateLimiter(3, clock, clock.sleep)
    times = []
    for _ in range(10):
        limiter.wait()
        times.append(clock())
    assert times[-1] - times[0] >= 3
    for start in times:
        assert sum(start <= t < start + 1 for t in times) <= 3


def test_ncbi_source_waits_between_requests():
    transport = RecordedTransport({"id=30939045": (200, PUBMED_30939045)})
    source = ncbi_source(transport)
    for _ in range(7):
        source.fetch(PMID)
    assert source.limiter.clock() >= 2


# --- Configuration -----------------------------------------------------------------


@pytest.mark.parametrize("config", [
    {}, {"FORUM_CITATION_LOOKUP": False}, {"FORUM_CITATION_LOOKUP": "0"},
    {"FORUM_CITATION_LOOKUP": "off", "FORUM_NCBI_EMAIL": "a@example.org"},
])
def test_lookup_is_off_by_default(config):
    assert lookup_from_config(config, DictCache()) is None


@pytest.mark.parametrize("config", [
    {"FORUM_CITATION_LOOKUP": True},
    {"FORUM_CITATION_LOOKUP": "1", "FORUM_NCBI_EMAIL": "  "},
    {"FORUM_CITATION_LOOKUP": "perhaps", "FORUM_NCBI_EMAIL": "a@example.org"},
])
def test_misconfiguration_is_a_clear_error(config):
    with pytest.raises(LookupMisconfigured, match="FORUM_"):
        lookup_from_config(config, DictCache())


def test_configured_lookup_sends_the_configured_contacts():
    transport = RecordedTransport({"id=30939045": (200, PUBMED_30939045),
                                   "pone.0033693": (200, PLOS_WORK)})
    config = {"FORUM_CITATION_LOOKUP": "true", "FORUM_NCBI_EMAIL": "a@example.org",
              "FORUM_NCBI_TOOL": "my-archive", "FORUM_NCBI_API_KEY": "k"}
    lookup = lookup_from_config(config, DictCache(), transport=transport)
    lookup.lookup(PMID)
    assert transport.query()["tool"] == ["my-archive"]
    assert transport.query()["api_key"] == ["k"]
    lookup.lookup(PLOS_DOI)
    assert transport.query()["mailto"] == ["a@example.org"]


def test_crossref_mailto_can_differ():
    transport = RecordedTransport({"pone.0033693": (200, PLOS_WORK)})
    config = {"FORUM_CITATION_LOOKUP": "on", "FORUM_NCBI_EMAIL": "a@example.org",
              "FORUM_CROSSREF_MAILTO": "b@example.org"}
    lookup_from_config(config, DictCache(), transport=transport).lookup(PLOS_DOI)
    assert transport.query()["mailto"] == ["b@example.org"]
