"""Identifiers as moderators paste them: parsed, normalised, refused in plain words."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forum.citations.identifiers import parse_identifier
from forum.citations.kinds import Identifier, InvalidIdentifier, canonical_url, label
from forum.citations.links import doi_in_link, identify_link

ENTREZ = "http://www.ncbi.nlm.nih.gov/entrez/query.fcgi?cmd=Retrieve"


@pytest.mark.parametrize(
    ("pasted", "kind", "value"),
    [
        ("12345678", "pmid", "12345678"),
        ("PMID: 12345678", "pmid", "12345678"),
        ("pmid 123", "pmid", "123"),
        ("PMID- 00123", "pmid", "123"),
        ("  PMID:9068914\n", "pmid", "9068914"),
        ("PMC1234567", "pmcid", "PMC1234567"),
        ("PMCID: PMC123", "pmcid", "PMC123"),
        ("PMCID: 123", "pmcid", "PMC123"),
        ("10.1007/s00296-011-2334-8", "doi", "10.1007/s00296-011-2334-8"),
        ("doi:10.1000/xyz", "doi", "10.1000/xyz"),
        ("DOI: 10.1000/XYZ.", "doi", "10.1000/XYZ"),
        ("https://doi.org/10.1000/xyz", "doi", "10.1000/xyz"),
        ("https://dx.doi.org/10.1000/xyz", "doi", "10.1000/xyz"),
        ("doi: https://doi.org/10.1000/xyz", "doi", "10.1000/xyz"),
        ("https://doi.org/10.1002/%28SICI%291097-0258", "doi",
         "10.1002/(SICI)1097-0258"),
        ("https://pubmed.ncbi.nlm.nih.gov/123/", "pmid", "123"),
        ("pubmed.ncbi.nlm.nih.gov/123", "pmid", "123"),
        (f"{ENTREZ}&db=PubMed&list_uids=9068914&dopt=Abstract", "pmid", "9068914"),
        ("http://www.ncbi.nlm.nih.gov:80/entrez/query.fcgi?cmd=Retrieve&amp;"
         "db=pubmed&amp;list_uids=9506567", "pmid", "9506567"),
        ("http://www4.ncbi.nlm.nih.gov/htbin-post/Entrez/query?db=PubMed&uid=1227505",
         "pmid", "1227505"),
        ("https://www.ncbi.nlm.nih.gov/pubmed/2812517", "pmid", "2812517"),
        ("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC123/", "pmcid", "PMC123"),
        ("https://pmc.ncbi.nlm.nih.gov/articles/PMC0456/", "pmcid", "PMC456"),
        ("ISBN 0-306-40615-2", "isbn", "9780306406157"),
        ("978-0-306-40615-7", "isbn", "9780306406157"),
        ("ISBN-10: 0-8044-2957-X", "isbn", "9780804429573"),
        ("0306406152", "isbn", "9780306406157"),
        ("ISBN 979-10-90636-07-1", "isbn", "9791090636071"),
        ("arXiv:2101.00001", "arxiv", "2101.00001"),
        ("arXiv:2101.00001v2", "arxiv", "2101.00001"),
        ("hep-th/9901001", "arxiv", "hep-th/9901001"),
        ("1001.01234", "arxiv", "1001.01234"),
        ("arXiv:MATH.gt/0309136v1", "arxiv", "math.GT/0309136"),
        ("https://arxiv.org/abs/2101.00001v3", "arxiv", "2101.00001"),
        ("https://arxiv.org/pdf/hep-th/9901001v1.pdf", "arxiv", "hep-th/9901001"),
        ("https://example.org/a?b=1#c", "url", "https://example.org/a?b=1#c"),
        ("http://www.templejc.edu/ems/drugs/Magnesium.html", "url",
         "http://www.templejc.edu/ems/drugs/Magnesium.html"),
        # The same Entrez link into another database is not a paper.
        (f"{ENTREZ}&db=Nucleotide&list_uids=9068914", "url",
         f"{ENTREZ}&db=Nucleotide&list_uids=9068914"),
    ],
)
def test_parses_what_moderators_paste(pasted, kind, value):
    assert parse_identifier(pasted) == Identifier(kind, value)


@pytest.mark.parametrize(
    ("pasted", "url", "shown"),
    [
        ("PMID: 009068914", "https://pubmed.ncbi.nlm.nih.gov/9068914/", "PMID 9068914"),
        ("PMC123", "https://pmc.ncbi.nlm.nih.gov/articles/PMC123/", "PMC123"),
        ("doi:10.1007/s00296-011-2334-8",
         "https://doi.org/10.1007/s00296-011-2334-8", "doi:10.1007/s00296-011-2334-8"),
        ("10.1002/(SICI)1097-0258(19980815/30)17:15/16<1661::AID-SIM968>3.0.CO;2-2",
         "https://doi.org/10.1002/(SICI)1097-0258(19980815/30)17:15/16"
         "%3C1661::AID-SIM968%3E3.0.CO;2-2",
         "doi:10.1002/(SICI)1097-0258(19980815/30)17:15/16<1661::AID-SIM968>3.0.CO;2-2"),
        ("arXiv:2101.00001v2", "https://arxiv.org/abs/2101.00001", "arXiv:2101.00001"),
        ("0-306-40615-2", "https://search.worldcat.org/isbn/9780306406157",
         "ISBN 9780306406157"),
        ("https://example.org/a", "https://example.org/a", "example.org/a"),
        ("https://example.org/" + "x" * 80, "https://example.org/" + "x" * 80,
         "example.org/" + "x" * 47 + "…"),
    ],
)
def test_canonical_url_and_label(pasted, url, shown):
    identifier = parse_identifier(pasted)
    assert (canonical_url(identifier), label(identifier)) == (url, shown)


@pytest.mark.parametrize(
    ("value", "url"),
    [
        ("10.1000/a b", "https://doi.org/10.1000/a%20b"),
        ("10.1000/a?b#c%d", "https://doi.org/10.1000/a%3Fb%23c%25d"),
        ("10.1000/ü", "https://doi.org/10.1000/%C3%BC"),
    ],
)
def test_doi_urls_encode_only_what_must_be(value, url):
    assert canonical_url(Identifier("doi", value)) == url


def test_doi_key_ignores_case_so_one_work_is_one_record():
    upper = parse_identifier("doi:10.1007/S00296-011-2334-8")
    lower = parse_identifier("https://doi.org/10.1007/s00296-011-2334-8")
    assert upper.value != lower.value
    assert upper.key == lower.key == "10.1007/s00296-011-2334-8"


def test_other_keys_keep_the_normal_value():
    assert parse_identifier("PMID 00042").key == "42"
    assert parse_identifier("arXiv:MATH.GT/0309136").key == "math.GT/0309136"


@pytest.mark.parametrize(
    ("pasted", "says"),
    [
        ("", "Nothing was entered"),
        ("   \n", "Nothing was entered"),
        ("PMID " + "1" * 600, "too long"),
        ("https://example.org/" + "x" * 500, "too long"),
        ("ISBN 0-306-40615-3", "fails its check digit"),
        ("978-0-306-40615-8", "fails its check digit"),
        ("ISBN 12345", "10 digits"),
        ("1234567890123", "13 starting with 978 or 979"),
        ("PMID 0", "PMID 0 does not exist"),
        ("PMID: 0000", "PMID 0 does not exist"),
        ("PMID: abc", "A PMID is a number"),
        ("PMID 1234567890", "too long for a PMID"),
        ("PMC0", "PMCID 0 does not exist"),
        ("10.1000/", "has nothing after \"10.1000/\""),
        ("doi:10.1000", "has nothing after"),
        ("doi:11.1000/xyz", "starts with \"10.\""),
        ("10.12/xyz", "at least four digits"),
        ("https://doi.org/10.1000/", "has nothing after"),
        ("arXiv:2113.00001", "not an arXiv id"),
        ("javascript:alert(1)", "javascript: links cannot"),
        ("JavaScript:alert(1)", "javascript: links cannot"),
        ("data:text/html,hi", "data: links cannot"),
        ("ftp://example.org/paper.pdf", "ftp: links cannot"),
        ("https://", "no site name"),
        ("https://exa mple.org/", "cannot contain spaces"),
        ("http://[::1/", "cannot be read"),
        ("www.example.org/paper", "must start with http:// or https://"),
        ("magnesium helps", "is not a PMID, PMCID, DOI, ISBN, arXiv id"),
    ],
)
def test_refuses_with_a_plain_reason(pasted, says):
    with pytest.raises(InvalidIdentifier) as refused:
        parse_identifier(pasted)
    assert says in str(refused.value)


def test_refusal_is_a_value_error():
    with pytest.raises(ValueError, match="check digit"):
        parse_identifier("ISBN 0-306-40615-3")


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown identifier kind"):
        Identifier("issn", "0028-0836")


def test_identifiers_are_frozen_and_hashable():
    identifier = parse_identifier("PMID 1")
    with pytest.raises(AttributeError):
        identifier.value = "2"  # type: ignore[misc]
    assert len({identifier, parse_identifier("pmid: 01")}) == 1


pmids = st.integers(min_value=1, max_value=999_999_999).map(
    lambda n: Identifier("pmid", str(n)))
dois = st.from_regex(r"10\.[0-9]{4,9}/[A-Za-z0-9()<>;:._/-]{0,40}[A-Za-z0-9]",
                     fullmatch=True).map(lambda v: Identifier("doi", v))
arxivs = st.from_regex(r"[0-9]{2}(0[1-9]|1[0-2])\.[0-9]{5}", fullmatch=True).map(
    lambda v: Identifier("arxiv", v))


@settings(max_examples=300, deadline=None, database=None)
@given(st.one_of(pmids, dois, arxivs))
def test_label_and_canonical_url_parse_back(identifier):
    assert parse_identifier(label(identifier)) == identifier
    assert parse_identifier(canonical_url(identifier)) == identifier


@settings(max_examples=500, deadline=None, database=None)
@given(st.text(max_size=200))
def test_arbitrary_text_parses_or_is_refused_plainly(text):
    try:
        identifier = parse_identifier(text)
    except InvalidIdentifier as refused:
        assert str(refused)
    else:
        assert canonical_url(identifier).lower().startswith(("https://", "http://"))


# -- links in real posts: old hosts, Europe PMC, publisher pages ----------------------


@pytest.mark.parametrize(
    ("url", "kind", "value"),
    [
        # ncbi.nih.gov without "nlm" served the same Entrez pages (2004 r-devel).
        ("http://www.ncbi.nih.gov/entrez/query.fcgi?cmd=Retrieve&db=PubMed"
         "&list_uids=12730033%2c12691826", "pmid", "12730033"),
        ("https://europepmc.org/article/med/22770768", "pmid", "22770768"),
        ("https://europepmc.org/abstract/MED/22770768", "pmid", "22770768"),
        ("https://europepmc.org/article/PMC/PMC3000000", "pmcid", "PMC3000000"),
        ("https://europepmc.org/articles/PMC3000000/", "pmcid", "PMC3000000"),
        ("http://www.arxiv.org/ftp/arxiv/papers/0709/0709.4063.pdf", "arxiv",
         "0709.4063"),
        ("http://fr.arxiv.org/abs/cond-mat/0410490", "arxiv", "cond-mat/0410490"),
        ("http://dx.doi.org/doi:10.1214/009053604000001048", "doi",
         "10.1214/009053604000001048"),
    ],
)
def test_identify_link_reads_old_hosts_and_europe_pmc(url, kind, value):
    assert identify_link(url) == Identifier(kind, value)


@pytest.mark.parametrize(
    "url", ["https://europepmc.org/search?query=magnesium",
            "http://www.ncbi.nih.gov/entrez/query.fcgi?db=Nucleotide&uid=12730033"])
def test_identify_link_leaves_searches_and_other_databases(url):
    assert identify_link(url) is None


@pytest.mark.parametrize(
    ("url", "doi"),
    [
        ("http://onlinelibrary.wiley.com/doi/10.1111/j.1538-4632.1995.tb00338.x/abstract",
         "10.1111/j.1538-4632.1995.tb00338.x"),
        ("https://onlinelibrary.wiley.com/doi/abs/10.1111/j.0006-341X.2000.00496.x",
         "10.1111/j.0006-341X.2000.00496.x"),
        ("https://www.tandfonline.com/doi/pdf/10.1080/0266476042000214501",
         "10.1080/0266476042000214501"),
        ("http://onlinelibrary.wiley.com/store/10.1111/2041-210X.12105/asset/supinfo/"
         "mee312105-sup-0001-AppendixS1.pdf?v=1", "10.1111/2041-210X.12105"),
        ("http://journals.plos.org/plosone/article?id=10.1371/journal.pone.0153296",
         "10.1371/journal.pone.0153296"),
        ("http://iopscience.iop.org/article/10.1088/1748-9326/10/11/114001/meta",
         "10.1088/1748-9326/10/11/114001"),
        ("https://gsejournal.biomedcentral.com/track/pdf/10.1186/1297-9686-27-3-229",
         "10.1186/1297-9686-27-3-229"),
        ("http://www.esajournals.org/doi/abs/10.1890/0012-9658%282007%2988%5B56%3A"
         "SACIED%5D2.0.CO%3B2", "10.1890/0012-9658(2007)88[56:SACIED]2.0.CO;2"),
        ("https://link.springer.com/book/10.1007/978-1-4614-7618-4",
         "10.1007/978-1-4614-7618-4"),
    ],
)
def test_doi_in_a_publisher_link(url, doi):
    assert doi_in_link(url) == Identifier("doi", doi)


@pytest.mark.parametrize(
    "url", ["https://www.crcpress.com/product/isbn/9781482203530",
            "http://www.example.org/v10.1234/x", "http://example.org/?page=10.5"])
def test_no_doi_in_other_links(url):
    assert doi_in_link(url) is None
