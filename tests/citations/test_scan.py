"""Citations in post text: the seed thread's Entrez links, quotes, real corpora."""

from __future__ import annotations

import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from forum.citations.identifiers import parse_identifier
from forum.citations.kinds import Identifier
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
        "http://www.example.org/doi/view?PMC123",
        # Only a DOI counts in a link elsewhere: not a shop's ISBN or a number.
        "https://www.crcpress.com/product/isbn/9781482203530",
        "http://www.springer.com/978-0-387-78170-9",
        "http://www.example.org/articles/10.5/page",
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
    """1,000 sci.med posts of 1993 predate web citations but name books by ISBN;
    R's citation names its ISBN; a W3C post cites a DOI."""
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
    # sci.med's "ISBN 0-477-3499-3" has nine digits: a typo, not a citation.
    assert [(name, c.text, c.in_quote) for name, c in cited] == [
        ("sci.med", "ISBN #0-06-272007-4", False),
        ("sci.med", "ISBN 0-14-008561-0", False),
        ("sci.med", "ISBN:0-306-44331-7", False),
        ("sci.med", "ISBN 0-312-06320-2", False),
        ("sci.med", "ISBN 0-312-06320-2", True),
        ("sci.med", "ISBN 0-312-06320-2", True),
        *[("2007q1.txt.gz", "ISBN 3-900051-07-0", False)] * 3,
        *[("w3crawl-test-message-to-cc.html",
           "https://doi.org/10.1109/SP.2019.00072", True)] * 2,
    ]
    for _, citation in cited:
        assert parse_identifier(citation.text) == citation.identifier
        assert parse_identifier(citation.identifier.value) == citation.identifier


def _scan_everywhere(text: str) -> list:
    """The scan as first written: the full expression tried from every position."""
    from forum.citations.scan import CITATION, _citation, _identify_all

    found, position = [], 0
    while match := CITATION.search(text, position):
        for start, end, identifier in _identify_all(text, match):
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
             "entrez/query.fcgi?db=PubMed", "Pubmed Id ", "hep-th/9901001",
             "ISBN ", "ISBN: ", "0-19-852663-6", "978-0-387-87457-9", ", ", "(paper) ",
             "europepmc.org/article/med/", "ncbi.nih.gov", "/doi/abs/"]


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join))
@example(text="arXiv:\n\nhep-th/9901001")  # the id after a blank line
def test_the_scan_round_trigger_words_misses_nothing(text):
    """Made-up texts: the scan round trigger words equals the full scan."""
    assert find_citations(text) == _scan_everywhere(text)


# -- forms met in the labelled set of real posts (tests/data/citation-extraction) ----


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Springer, ISBN 0-387-98214-0\n", [("isbn", "9780387982144",
                                            "ISBN 0-387-98214-0")]),
        ("John Wiley & Sons; ISBN: 047188104X", [("isbn", "9780471881049",
                                                  "ISBN: 047188104X")]),
        ("(ISBN #0-06-272007-4):", [("isbn", "9780062720078", "ISBN #0-06-272007-4")]),
        ("note = {{ISBN} 3-900051-07-0},", [("isbn", "9783900051075",
                                            "ISBN} 3-900051-07-0")]),
        ("isbn={0079132928}", [("isbn", "9780079132925", "isbn={0079132928")]),
        ("The ISBN is 0-9541617-4-2.", [("isbn", "9780954161743",
                                        "ISBN is 0-9541617-4-2")]),
        ("1987 ISBN 0 04 355027 4 [ covers", [("isbn", "9780043550274",
                                             "ISBN 0 04 355027 4")]),
        ("ISBN-13: 978-0-387-87457-9", [("isbn", "9780387874579",
                                         "ISBN-13: 978-0-387-87457-9")]),
        ("e-ISBN 978-0-387-75969-2", [("isbn", "9780387759692",
                                       "ISBN 978-0-387-75969-2")]),
        ("ISBN (paper) 0-345-29887-X.", [("isbn", "9780345298874",
                                          "ISBN (paper) 0-345-29887-X")]),
        # A bare 13-digit ISBN is told by its 978/979 prefix and check digit.
        ("2011. 978-1-1180-2985-5 and 9780470856048.",
         [("isbn", "9781118029855", "978-1-1180-2985-5"),
          ("isbn", "9780470856048", "9780470856048")]),
    ],
)
def test_isbn_forms(text, expected):
    assert found(text) == expected
    assert_spans_consistent(text)


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("ISBN 0470856041, 9780470856048\n", ["9780470856048"] * 2),
        ("ISBN \t0412258005 (pbk)  0412258102\n", ["9780412258008", "9780412258107"]),
        ("ISBN (hardcover) 0-8018-2494-X (paper) 0-8018-3407-4.",
         ["9780801824944", "9780801834073"]),
        ("ISBN: 0-9546120-0 (vol1), 0-9546120-1-9 (vol2)", ["9780954612016"]),
        ("ISBN 0-7923-0971-5 (paperback), or\n\t0-7923-0970-7 (hardback).",
         ["9780792309710", "9780792309703"]),
        ("ISBN:  0-8306-8360-7\n\t0-8306-3360-X (paperback)",
         ["9780830683604", "9780830633609"]),
        # The R banner wraps its ISBN onto a quoted line of its own.
        ("> Statistical Computing ISBN\n>>> 3-900051-07-0\n", ["9783900051075"]),
    ],
)
def test_isbn_lists_after_one_label(text, values):
    assert [c.identifier.value for c in find_citations(text)] == values
    assert_spans_consistent(text)


@pytest.mark.parametrize(
    "text",
    [
        "ISBN 0-477-3499-3",  # nine digits
        "ISBN 0-13-972191-5",  # wrong check digit
        "call 978-555-0100 or (978) 555 0100",  # a phone number in area code 978
        "order 9781234567890",  # 978 and thirteen digits, but a bad check digit
        "http://www.springer.com/978-0-387-78170-9 and www.springer.com/0-387-45967-7",
        "doi:10.1007/978-3-319-19425-7",  # the ISBN inside a book's DOI
    ],
)
def test_isbn_look_alikes(text):
    assert [c.identifier.kind for c in find_citations(text)] in ([], ["doi"])


def test_isbn_list_stops_at_a_number_that_is_no_isbn():
    text = "ISBN 0-387-98825-4, 1999, 2nd ed. 0-201-10179-3"
    assert [c.identifier.value for c in find_citations(text)] == ["9780387988252"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://onlinelibrary.wiley.com/doi/10.1002/bimj.4710380510/abstract",
         ("doi", "10.1002/bimj.4710380510")),
        ("<http://journals.plos.org/plosone/article?id=10.1371/journal.pone.0153296>",
         ("doi", "10.1371/journal.pone.0153296")),
        ("doi:http://dx.doi.org/doi:10.1214/009053604000001048)",
         ("doi", "10.1214/009053604000001048")),
        ("[1] http://www.ncbi.nih.gov/entrez/query.fcgi?tool=bioconductor&cmd=Retrieve"
         "&db=PubMed&list_uids=12730033%2c12691826", ("pmid", "12730033")),
        ("URL: https://europepmc.org/article/med/22770768", ("pmid", "22770768")),
        ("http://www.arxiv.org/ftp/arxiv/papers/0709/0709.4063.pdf",
         ("arxiv", "0709.4063")),
        ("Fused Lasso Additive Model. arXiv 1409.5391.", ("arxiv", "1409.5391")),
        ('<guid isPermaLink="false">PubMed:17589729</guid>', ("pmid", "17589729")),
        ("note = {{PMID:} 17542934},", ("pmid", "17542934")),
    ],
)
def test_forms_from_real_posts(text, expected):
    assert [(c.identifier.kind, c.identifier.value)
            for c in find_citations(text)] == [expected]
    assert_spans_consistent(text)


def test_quoted_link_wrapped_after_its_question_mark_is_joined():
    text = ("> papillomatosis.</title>\n"
            ">   <link>http://www.ncbi.nlm.nih.gov/entrez/query.fcgi?\n"
            "> tmpl=NoSidebarfile&amp;db=PubMed&amp;cmd=Retrieve"
            "&amp;list_uids=17589729\n"
            "> &amp;dopt=Abstract</link>\n")
    [citation] = find_citations(text)
    assert citation.identifier == Identifier("pmid", "17589729")
    assert citation.in_quote
    assert citation.text.endswith("list_uids=17589729")
