"""Citations in post text: the seed thread's Entrez links, quotes, real corpora."""

from __future__ import annotations

import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from forum.citations.identifiers import Identifier, parse_identifier
from forum.citations.scan import find_citations
from importers.base import IncomingMessage
from importers.detect import iter_source
from tests.helpers import REPO, corpus

SEED = REPO / "samples" / "usenet-2000-magnesium-fibromyalgia-thread.txt"
ENTREZ_2000 = (
    "http://www.ncbi.nlm.nih.gov:80/entrez/query.fcgi?cmd=Retrieve&db=PubMed"
    "&list_uids={}&dopt=Abstract"
)
# The seed post's links in the order written; 8988330 is cited twice.
SEED_PMIDS = [
    "9068914", "9506567", "8988330", "7847586", "8399369", "2812517", "10192096",
    "1512769", "6536834", "1227505", "9529585", "9641824", "7738680", "8988330",
]
OTHER_SITES = [
    "http://www.templejc.edu/ems/drugs/Magnesium.html",
    "http://www.fibromyalgie.net/artikelen/hypothesis_management_of_fibromy.htm",
]


def seed_posts() -> list[IncomingMessage]:
    return [m for m in iter_source(SEED, "google-groups")
            if isinstance(m, IncomingMessage)]


def found(text: str) -> list[tuple[str, str, str]]:
    """(kind, value, span text) per citation, the shape most tables compare."""
    return [(c.identifier.kind, c.identifier.value, c.text)
            for c in find_citations(text)]


def assert_spans_consistent(text: str) -> None:
    citations = find_citations(text)
    for citation in citations:
        assert text[citation.start : citation.end] == citation.text
    starts = [c.start for c in citations]
    assert starts == sorted(starts)
    assert all(a.end <= b.start for a, b in zip(citations, citations[1:], strict=False))


# -- the seed thread ----------------------------------------------------------------


def test_seed_post_cites_fourteen_pubmed_links_in_order():
    body = seed_posts()[0].body_text
    citations = find_citations(body)
    assert [c.identifier for c in citations] == [
        Identifier("pmid", pmid) for pmid in SEED_PMIDS]
    assert len({c.identifier for c in citations}) == 13
    for citation, pmid in zip(citations, SEED_PMIDS, strict=True):
        assert citation.text == ENTREZ_2000.format(pmid)
        assert body[citation.start : citation.end] == citation.text
        # Each link stands alone on its line in the post.
        assert body[citation.start - 1] == "\n" and body[citation.end] == "\n"
        assert citation.url == f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
        assert not citation.in_quote


def test_seed_post_first_link_exactly():
    body = seed_posts()[0].body_text
    first = find_citations(body)[0]
    start = body.index("http://www.ncbi.nlm.nih.gov:80/")
    end = body.index("&dopt=Abstract", start) + len("&dopt=Abstract")
    assert (first.start, first.end) == (start, end)
    assert first.identifier == Identifier("pmid", "9068914")
    assert first.url == "https://pubmed.ncbi.nlm.nih.gov/9068914/"


@pytest.mark.parametrize("link", OTHER_SITES)
def test_seed_post_links_to_other_sites_are_not_pubmed(link):
    body = seed_posts()[0].body_text
    at = body.index(link)
    assert not [c for c in find_citations(body)
                if c.start < at + len(link) and at < c.end]
    assert find_citations(link) == []


def test_seed_replies_cite_nothing():
    assert [len(find_citations(m.body_text)) for m in seed_posts()] == [14, 0, 0, 0, 0]


# -- link forms ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pmid"),
    [
        (ENTREZ_2000.format(9068914), "9068914"),
        ("http://www.ncbi.nlm.nih.gov/entrez/query.fcgi?cmd=Retrieve&db=PubMed"
         "&list_uids=9506567&dopt=Abstract", "9506567"),
        ("http://www.ncbi.nlm.nih.gov/entrez/query.fcgi?CMD=search&DB=pubmed"
         "&uids=8988330", "8988330"),
        ("http://www.ncbi.nlm.nih.gov/entrez/query.fcgi?db=PubMed&uid=7847586",
         "7847586"),
        ("http://www4.ncbi.nlm.nih.gov/htbin-post/Entrez/query?db=PubMed&form=6"
         "&uid=8399369&Dopt=r", "8399369"),
        ("http://www.ncbi.nlm.nih.gov:80/entrez/query.fcgi?cmd=Retrieve&amp;"
         "db=PubMed&amp;list_uids=2812517&amp;dopt=Abstract", "2812517"),
        ("www.ncbi.nlm.nih.gov/entrez/query.fcgi?db=PubMed&list_uids=10192096",
         "10192096"),
        ("http://www.ncbi.nlm.nih.gov/pubmed/1512769", "1512769"),
        ("ncbi.nlm.nih.gov/pubmed/6536834", "6536834"),
        ("https://pubmed.ncbi.nlm.nih.gov/1227505/", "1227505"),
        ("pubmed.ncbi.nlm.nih.gov/9529585", "9529585"),
        ("HTTP://WWW.NCBI.NLM.NIH.GOV/PUBMED/9641824", "9641824"),
        ("http://www.ncbi.nlm.nih.gov/entrez/query.fcgi?db=PubMed"
         "&list_uids=7738680,8988330", "7738680"),
    ],
)
def test_pubmed_link_forms(text, pmid):
    assert found(f"See <{text}>.") == [("pmid", pmid, text)]


@pytest.mark.parametrize(
    "text",
    [
        "http://www.ncbi.nlm.nih.gov/entrez/query.fcgi?cmd=Retrieve&db=Nucleotide"
        "&list_uids=9068914",
        "http://www.ncbi.nlm.nih.gov/entrez/query.fcgi?db=Protein&uid=9068914",
        "http://www4.ncbi.nlm.nih.gov/htbin-post/Entrez/query?db=m&uid=9068914",
        "http://www.ncbi.nlm.nih.gov/entrez/query.fcgi?cmd=Retrieve&list_uids=906891",
        "http://www.templejc.edu/entrez/query.fcgi?db=PubMed&list_uids=9068914",
        "http://pubmed.example.com/9068914/",
        "http://www.fibromyalgie.net/pubmed/9068914",
        "http://www.ncbi.nlm.nih.gov.evil.example/pubmed/9068914",
        "http://www.execpc.com/~magnesum/dur18.html",
        "http://www.ncbi.nlm.nih.gov/entrez/query.fcgi?db=PubMed&list_uids=0",
        "https://pubmed.ncbi.nlm.nih.gov/?term=magnesium+9068914",
        "http://www.example.org/doi/10.1000/xyz?PMC123",
    ],
)
def test_links_that_are_not_citations(text):
    assert find_citations(f"See {text} for more.") == []


# -- mentions in prose --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(doi:10.1007/s00296-011-2334-8).",
         [("doi", "10.1007/s00296-011-2334-8", "doi:10.1007/s00296-011-2334-8")]),
        ("see DOI: 10.1000/xyz, and", [("doi", "10.1000/xyz", "DOI: 10.1000/xyz")]),
        ("bare 10.1000/ABC.123; next", [("doi", "10.1000/ABC.123", "10.1000/ABC.123")]),
        ('"10.1000/xyz"', [("doi", "10.1000/xyz", "10.1000/xyz")]),
        ("[10.1000/xyz]", [("doi", "10.1000/xyz", "10.1000/xyz")]),
        ("<doi:10.1000/x(1)>", [("doi", "10.1000/x(1)", "doi:10.1000/x(1)")]),
        ("it's 10.1002/(SICI)1097-0258(19980815/30)17:15/16<1661::AID-SIM968>3.0.CO;"
         "2-2.",
         [("doi",
           "10.1002/(SICI)1097-0258(19980815/30)17:15/16<1661::AID-SIM968>3.0.CO;2-2",
           "10.1002/(SICI)1097-0258(19980815/30)17:15/16<1661::AID-SIM968>3.0.CO;2-2")]),
        ("at https://doi.org/10.1109/SP.2019.00072 <https://doi.org/10.1109/SP.2019."
         "00072>.",
         [("doi", "10.1109/SP.2019.00072", "https://doi.org/10.1109/SP.2019.00072")]
         * 2),
        ("http://dx.doi.org/10.1002/%28SICI%291097-0258 ok",
         [("doi", "10.1002/(SICI)1097-0258",
           "http://dx.doi.org/10.1002/%28SICI%291097-0258")]),
        ("PMID: 12345, pmid 678 and PMID-0099.",
         [("pmid", "12345", "PMID: 12345"), ("pmid", "678", "pmid 678"),
          ("pmid", "99", "PMID-0099")]),
        ("PMCID: PMC123 or PMC456789.",
         [("pmcid", "PMC123", "PMCID: PMC123"), ("pmcid", "PMC456789", "PMC456789")]),
        ("arXiv:2101.00001v2 and arXiv: hep-th/9901001.",
         [("arxiv", "2101.00001", "arXiv:2101.00001v2"),
          ("arxiv", "hep-th/9901001", "arXiv: hep-th/9901001")]),
        ("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC3000000/ is free",
         [("pmcid", "PMC3000000",
           "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC3000000/")]),
        ("https://arxiv.org/abs/2101.00001v3.",
         [("arxiv", "2101.00001", "https://arxiv.org/abs/2101.00001v3")]),
        # Near misses: no label, zero, a version number, a decimal, a word.
        ("PMID 0, 12345, version 10.12/3, 10.5 mg, PMCA4, npmc5, 2101.00001", []),
    ],
)
def test_mentions_in_prose(text, expected):
    assert found(text) == expected
    assert_spans_consistent(text)


def test_every_occurrence_is_reported():
    text = "PMID 42 ... PMID 42 ... https://pubmed.ncbi.nlm.nih.gov/42/"
    citations = find_citations(text)
    assert [c.identifier.value for c in citations] == ["42", "42", "42"]
    assert [c.start for c in citations] == [0, 12, 24]


# -- quotes and wrapped lines -------------------------------------------------------


LINK = ENTREZ_2000.format(9068914)


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        (f"{LINK}\n", [False]),
        (f"> {LINK}\n", [True]),
        (f">> {LINK}\n", [True]),
        (f" > see {LINK}\n", [True]),
        (f"Mark wrote:\n> {LINK}\n\nI read {LINK} too.\n", [True, False]),
        (f"a -> b {LINK}", [False]),
    ],
)
def test_quoted_lines_are_marked(text, quoted):
    assert [c.in_quote for c in find_citations(text)] == quoted


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("x http://www.ncbi.nlm.nih.gov/entrez/query.fcgi?db=PubMed&list_uids=\n"
         "9068914&dopt=Abstract\nThanks",
         "http://www.ncbi.nlm.nih.gov/entrez/query.fcgi?db=PubMed&list_uids=\n"
         "9068914&dopt=Abstract"),
        ("> http://www.ncbi.nlm.nih.gov/entrez/query.fcgi?db=PubMed&\n"
         "> list_uids=9068914.\n",
         "http://www.ncbi.nlm.nih.gov/entrez/query.fcgi?db=PubMed&\n"
         "> list_uids=9068914"),
    ],
)
def test_link_wrapped_at_an_unfinished_query_is_joined(text, span):
    [citation] = find_citations(text)
    assert (citation.identifier.value, citation.text) == ("9068914", span)
    assert text[citation.start : citation.end] == span


@pytest.mark.parametrize(
    "text",
    [
        # The next line is a reply, not the rest of a quoted link.
        "> http://www.ncbi.nlm.nih.gov/entrez/query.fcgi?db=PubMed&list_uids=\n"
        "9068914 is what I meant",
        # A line end after a complete path is a line end.
        "http://www.ncbi.nlm.nih.gov/pubmed/\n9068914",
    ],
)
def test_line_breaks_are_not_joined_when_unsure(text):
    assert find_citations(text) == []


# -- robustness ---------------------------------------------------------------------


@settings(max_examples=400, deadline=None, database=None)
@given(st.text(max_size=400))
def test_arbitrary_text_never_breaks_the_scan(text):
    assert_spans_consistent(text)


pieces = st.sampled_from([
    "http://", "https://", "www.", "ncbi.nlm.nih.gov", "pubmed.", "doi.org/", "/",
    "query.fcgi?", "db=PubMed", "&", "&amp;", "list_uids=", "uid=", "=", ":80",
    "PMID", "PMC", ": ", "doi:", "10.", "1000", "0", "9068914", "(", ")", "<", ">",
    ".", ",", "\n", "> ", " ", "arXiv:", "2101.00001", "v2", "[", "]", "\"", "'",
    "[::1", "%", "%28", "hep-th/",
])


@settings(max_examples=600, deadline=None, database=None)
@given(st.lists(pieces, max_size=40).map("".join))
def test_citation_shaped_noise_never_breaks_the_scan(text):
    assert_spans_consistent(text)
    for citation in find_citations(text):
        assert parse_identifier(citation.identifier.value) == citation.identifier


def test_long_punctuation_runs_cost_linear_time():
    text = "doi:10.1000/x" + ")." * 100_000
    started = time.perf_counter()
    assert found(text) == [("doi", "10.1000/x", "doi:10.1000/x")]
    assert time.perf_counter() - started < 2  # quadratic trimming takes minutes


@pytest.mark.corpus
def test_real_archives_scan_cleanly():
    """1,000 sci.med posts of 1993 predate web citations; a W3C post cites a DOI."""
    w3c = corpus("hypermail", "w3c-public-privacy")
    paths = [corpus("usenet-20news", "spool", "sci.med"),
             *sorted(corpus("pipermail").rglob("*.txt*")),
             corpus("forum-patientinfo", "patient-info_forums.json"),
             w3c / "w3crawl-test-message-to-cc.html"]
    scanned, cited = 0, []
    for path in paths:
        for message in iter_source(path):
            if isinstance(message, IncomingMessage):
                scanned += 1
                assert_spans_consistent(message.body_text)
                cited += [(path.name, c) for c in find_citations(message.body_text)]
    assert scanned == 1000 + 677 + 865 + 1
    assert [(name, c.text) for name, c in cited] == [
        ("w3crawl-test-message-to-cc.html", "https://doi.org/10.1109/SP.2019.00072"),
    ] * 2
    for _, citation in cited:
        assert citation.in_quote
        assert parse_identifier(citation.text) == citation.identifier
        assert parse_identifier(citation.identifier.value) == citation.identifier


def _scan_everywhere(text: str) -> list:
    """The scan as first written: the full expression tried from every position."""
    from forum.citations.scan import CITATION, _citation, _identify

    found, position = [], 0
    while match := CITATION.search(text, position):
        start, end, identifier = _identify(text, match)
        position = max(end, match.start() + 1)
        if identifier is not None:
            found.append(_citation(text, start, end, identifier))
    return found


@pytest.mark.corpus
def test_scanning_round_the_trigger_words_finds_what_a_full_scan_finds(tmp_path):
    """Real posts, the broken cases and 2,000 synthetic posts full of PubMed links."""
    from tests.helpers import generated_corpus

    mbox = generated_corpus(tmp_path, 2000, seed=3)
    texts = [m.body_text for source in (mbox, corpus("usenet-20news", "spool",
                                                      "sci.med"))
             for m in iter_source(source) if isinstance(m, IncomingMessage)]
    texts += [p.read_text(errors="replace") for p in (REPO / "tests" / "data").iterdir()
              if p.is_file()]
    texts += ["doi\n10.1000/xyz", "PMID:\n12345", "see pubmed\nid 777 and pmc99",
              "http://example.org/10.1234/x then doi:10.1234/y"]
    cited = 0
    for text in texts:
        expected = _scan_everywhere(text)
        assert find_citations(text) == expected
        cited += len(expected)
    assert cited > 1000


FRAGMENTS = ["PMID", "pmid:", " ", "PMC", "pmcid", "1234567", "10.1007/", "s0029",
             "doi:", "arXiv:", "2101.00001", "https://", "http://www.",
             "ncbi.nlm.nih.gov", "/pubmed/", "doi.org/", "arxiv.org/abs/", ".", ")",
             "\n> ", "\n", "x", "&uid=", "=", "&",
             "entrez/query.fcgi?db=PubMed", "Pubmed Id ", "hep-th/9901001"]


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join))
@example(text="arXiv:\n\nhep-th/9901001")  # the id after a blank line
def test_the_scan_round_trigger_words_misses_nothing(text):
    """Made-up texts: the scan round trigger words equals the full scan."""
    assert find_citations(text) == _scan_everywhere(text)
