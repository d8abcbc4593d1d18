"""Matching written references to PMIDs and DOIs, on recorded answers.

No test touches the network: a transport serves files from tests/data/lookup/
(see SOURCES.md there) and notes every URL and header it was asked for.
"""

from __future__ import annotations

import json

import pytest

from forum.citations import crossref_search, ecitmatch
from forum.citations.candidates import Candidate
from forum.citations.crossref_search import CrossrefBibliographic
from forum.citations.ecitmatch import NcbiCitationMatcher, parse_ecitmatch
from forum.citations.lookup import DictCache, LookupFailed
from forum.citations.matching import ReferenceMatcher, candidates_for
from forum.citations.reference_shapes import FoundReference
from forum.citations.references import find_references
from tests.citations.recorded import FakeClock, RecordedTransport, recorded

FOUND_ONE = "ecitmatch-found-one.txt"  # n engl j med|2020|382|727|zhu n|covid1|
MIXED = "ecitmatch-found-and-invalid-journal.txt"
AUTHOR_BLANKED = "ecitmatch-author-not-confirmed.txt"
AMBIGUOUS = "ecitmatch-ambiguous-handwritten.txt"
CARLSSON = "crossref-query-bibliographic-carlsson-ekre.json"
VALIDATION_400 = "crossref-400-validation-failure.json"
CONFIG = {"FORUM_CITATION_LOOKUP": "on", "FORUM_NCBI_EMAIL": "archive@example.org"}

ZHU = ("Zhu N, et al. A novel coronavirus from patients with pneumonia in China, "
       "2019. N Engl J Med 2020;382:727-33.")
TENSORS = ("Carlsson K, Ekre F. Tensors.jl - Tensor Computations in Julia. "
           "J Open Res Softw 2019;7:7.")




def reference(text: str) -> FoundReference:
    [found] = find_references(text)
    return found


def ncbi(transport, **kwargs) -> NcbiCitationMatcher:
    clock = FakeClock()
    return NcbiCitationMatcher("forum-archive", "archive@example.org",
                               transport=transport, clock=clock, sleep=clock.sleep,
                               **kwargs)


def crossref(transport, **kwargs) -> CrossrefBibliographic:
    clock = FakeClock()
    return CrossrefBibliographic("archive@example.org", transport=transport,
                                 clock=clock, sleep=clock.sleep, **kwargs)


def ask(source, text: str) -> list[Candidate]:
    return ReferenceMatcher([source], DictCache()).candidates(reference(text))


# --- NCBI ECitMatch -----------------------------------------------------------------


def test_the_citation_string_is_ecitmatchs_pipe_format():
    assert ecitmatch.citation_string(reference(ZHU), "covid1") == (
        "n engl j med|2020|382|727|zhu n|covid1|")
    bagis = reference("Bagis S, et al. Rheumatology Int [epub ahead of print] "
                      "Jan. 22, 2012.")
    assert ecitmatch.citation_string(bagis) == "rheumatology int|2012|||bagis s|ref1|"


def test_a_reference_without_a_journal_is_not_asked():
    transport = RecordedTransport({})
    assert ask(ncbi(transport), "see (Castillo & Engbaek, 1954)") == []
    assert transport.asked == []


def test_ecitmatch_request_url_and_found_pmid():
    transport = RecordedTransport({"ecitmatch.cgi": (200, FOUND_ONE)})
    [candidate] = ask(ncbi(transport, key="covid1"), ZHU)
    assert candidate.kind == "pmid" and candidate.value == "31978945"
    assert candidate.source == "ncbi-ecitmatch"
    assert "author 'zhu n' matched" in candidate.why
    url, headers = transport.asked[0]
    assert url.startswith("https://eutils.ncbi.nlm.nih.gov/entrez/eutils/ecitmatch.cgi?")
    # as NCBI documents it: pipes as they are, spaces as "+"
    assert "bdata=n+engl+j+med|2020|382|727|zhu+n|covid1|&" in url
    assert transport.query() == {
        "db": ["pubmed"], "retmode": ["xml"],
        "bdata": ["n engl j med|2020|382|727|zhu n|covid1|"],
        "tool": ["forum-archive"], "email": ["archive@example.org"]}
    assert headers["User-Agent"] == "forum-archive (mailto:archive@example.org)"


def test_ecitmatch_api_key_is_sent():
    transport = RecordedTransport({"ecitmatch.cgi": (200, FOUND_ONE)})
    ask(ncbi(transport, key="covid1", api_key="secret-key"), ZHU)
    assert transport.query()["api_key"] == ["secret-key"]


def test_several_citations_are_joined_by_carriage_returns():
    url = ecitmatch.ecitmatch_url(["a|1|2|3|b c|k1|", "d|4|5|6|e|k2|"], "t", "e@x")
    assert "bdata=a|1|2|3|b+c|k1|%0Dd|4|5|6|e|k2|&" in url


def test_recorded_answer_with_an_invalid_journal():
    found, invalid, other = parse_ecitmatch(recorded(MIXED))
    assert (found.key, found.status, found.pmids) == ("Art1", "found", ("2014248",))
    assert (found.journal, found.year, found.volume, found.first_page, found.author
            ) == ("proc natl acad sci u s a", "1991", "88", "3248", "mann bj")
    assert (invalid.key, invalid.status, invalid.pmids) == ("ref2", "not_found", ())
    assert invalid.detail == "NOT_FOUND;INVALID_JOURNAL"
    assert invalid.author == ""
    assert other.pmids == ("31978945",)


def test_not_found_gives_no_candidate():
    transport = RecordedTransport({"ecitmatch.cgi": (200, MIXED)})
    text = "Nobody N, et al. Fake Journal 2000;1:1-2."
    assert ask(ncbi(transport, key="ref2"), text) == []


def test_a_blanked_author_is_said_in_the_reason():
    # NCBI echoed "science|1987|235|182||Art2|3026048" for "palmenber ac"
    transport = RecordedTransport({"ecitmatch.cgi": (200, AUTHOR_BLANKED)})
    text = "Palmenber AC, et al. Title of it. Science 1987;235:182-6."
    [candidate] = ask(ncbi(transport, key="Art2"), text)
    assert candidate.value == "3026048"
    assert "the author was not matched by NCBI" in candidate.why


def test_ambiguous_gives_every_pmid_named():
    transport = RecordedTransport({"ecitmatch.cgi": (200, AMBIGUOUS)})
    found = ask(ncbi(transport, key="1"), "Zhang F, et al. Nature, 2020.")
    assert [c.value for c in found] == ["33057196", "32076266", "32025019"]
    assert all("found 3 papers" in c.why for c in found)
    assert transport.query()["bdata"] == ["nature|2020|||zhang f|1|"]


def test_bare_ambiguous_and_empty_answers():
    [ambiguous] = parse_ecitmatch("|2020||||ref1|AMBIGUOUS\r\n")
    assert (ambiguous.status, ambiguous.pmids) == ("ambiguous", ())
    [empty] = parse_ecitmatch(b"nature|2020|||smith j|ref1|\n")
    assert empty.status == "not_found"
    assert parse_ecitmatch(b"") == []


def test_a_missing_line_means_nothing_found():
    transport = RecordedTransport({"ecitmatch.cgi": (200, FOUND_ONE)})
    assert ask(ncbi(transport), ZHU) == []  # the answer is for key covid1, not ref1


@pytest.mark.parametrize(("answer", "says"), [
    (b"<html><body>Service unavailable</body></html>", "not journal|year"),
    (b'{"error":"API rate limit exceeded","count":"11"}', "not journal|year"),
    (b"n engl j med|2020|382|727|zhu n|covid1|<b>error</b>", "unknown result"),
    (b"\xff\xfe|||", "codec"),
])
def test_malformed_ecitmatch_answers_raise(answer, says):
    with pytest.raises(LookupFailed, match=says):
        ask(ncbi(lambda url, headers: answer, key="covid1"), ZHU)


def test_ecitmatch_http_error_raises_without_the_api_key():
    transport = RecordedTransport({"ecitmatch.cgi": (502, FOUND_ONE)})
    with pytest.raises(LookupFailed, match="HTTP 502") as caught:
        ask(ncbi(transport, api_key="secret-key"), ZHU)
    assert "secret-key" not in str(caught.value)


# --- Crossref bibliographic search ----------------------------------------------------


def test_crossref_request_url():
    transport = RecordedTransport({"query.bibliographic=": (200, CARLSSON)})
    ask(crossref(transport), TENSORS)
    url, headers = transport.asked[0]
    assert url.startswith("https://api.crossref.org/works?")
    assert transport.query() == {
        "query.bibliographic": [TENSORS.rstrip(".")], "rows": ["5"],
        "mailto": ["archive@example.org"]}
    assert "mailto:archive@example.org" in headers["User-Agent"]


def test_the_recorded_search_gives_one_doi_with_its_checks():
    transport = RecordedTransport({"query.bibliographic=": (200, CARLSSON)})
    [candidate] = ask(crossref(transport), TENSORS)
    assert candidate == Candidate(
        "doi", "10.5334/jors.182", "crossref-bibliographic",
        "Crossref score 57.4 >= 40; year 2019 agrees; first author Carlsson agrees; "
        "title words 4/4 shared")


def test_a_work_by_the_same_authors_in_another_year_is_refused():
    items = crossref_search.parse_work_list(json.loads(recorded(CARLSSON)))
    hanson = next(i for i in items if i["DOI"] == "10.1111/j.1651-2227.1989.tb11207.x")
    hanson = {**hanson, "score": 99.0}  # even with a high score
    accepted, why = crossref_search.judge_work(reference(TENSORS), hanson)
    assert not accepted
    assert "year 2019 differs from Crossref's 1989" in why
    assert "first author Carlsson differs from Crossref's HANSON" in why


def test_a_low_score_alone_refuses_the_right_work():
    transport = RecordedTransport({"query.bibliographic=": (200, CARLSSON)})
    assert ask(crossref(transport, min_score=60), TENSORS) == []


def test_journal_abbreviation_checked_when_no_title():
    items = crossref_search.parse_work_list(json.loads(recorded(CARLSSON)))
    no_title = reference("Carlsson K, Ekre F. J Open Res Softw 2019;7:7.")
    accepted, why = crossref_search.judge_work(no_title, items[0])
    assert accepted
    assert "journal 'J Open Res Softw' agrees with 'Journal of Open Research " \
           "Software'" in why
    wrong = reference("Carlsson K, Ekre F. J Neurol 2019;7:7.")
    assert not crossref_search.judge_work(wrong, items[0])[0]


@pytest.mark.parametrize(("transport", "says"), [
    (RecordedTransport({"query.bibliographic=": (400, VALIDATION_400)}), "HTTP 400"),
    (RecordedTransport({"query.bibliographic=": (503, CARLSSON)}), "HTTP 503"),
    (lambda url, headers: recorded(VALIDATION_400), "not a Crossref work list"),
    (lambda url, headers: recorded(CARLSSON)[:500], "Expecting"),
    (lambda url, headers: recorded("crossref-work-10.1371_journal.pone.0033693.json"),
     "not a Crossref work list"),
])
def test_crossref_failures_raise(transport, says):
    with pytest.raises(LookupFailed, match=says):
        ask(crossref(transport), TENSORS)


# --- Configuration, cache, and both sources together ----------------------------------


@pytest.mark.parametrize("config", [{}, {"FORUM_CITATION_LOOKUP": "off"}])
def test_matching_is_off_by_default(config):
    transport = RecordedTransport({})
    assert candidates_for(reference(ZHU), config, DictCache(), transport) == []
    assert transport.asked == []


def test_both_sources_are_asked_and_answers_cached():
    transport = RecordedTransport({"ecitmatch.cgi": (200, MIXED),
                                   "query.bibliographic=": (200, CARLSSON)})
    cache = DictCache()
    first = candidates_for(reference(TENSORS), CONFIG, cache, transport)
    assert first == candidates_for(reference(TENSORS), CONFIG, cache, transport)
    assert [c.value for c in first] == ["10.5334/jors.182"]
    assert len(transport.asked) == 2  # the second time came from the cache
    assert "ncbi-ecitmatch:reference:j open res softw|2019|7|7|carlsson k|ref1|" \
        in cache.entries


def test_one_failing_source_raises_after_the_other_is_cached():
    answers = {"ecitmatch.cgi": (503, MIXED), "query.bibliographic=": (200, CARLSSON)}
    transport = RecordedTransport(answers)
    cache = DictCache()
    with pytest.raises(LookupFailed, match="NCBI ECitMatch.*HTTP 503"):
        candidates_for(reference(TENSORS), CONFIG, cache, transport)
    assert any(key.startswith("crossref-bibliographic:") for key in cache.entries)
    assert not any(key.startswith("ncbi-ecitmatch:") for key in cache.entries)
    answers["ecitmatch.cgi"] = (200, MIXED)
    assert [c.value for c in candidates_for(reference(TENSORS), CONFIG, cache,
                                            transport)] == ["10.5334/jors.182"]
