"""Which paper a web address points at: resolver links and publishers' pages.

`identify_link` knows the sites whose addresses name a paper (PubMed, PMC,
Europe PMC, doi.org, arXiv, and the Entrez query links of the 1990s);
`doi_in_link` finds the DOI a publisher's page address carries.  A link
elsewhere is never read for digits: a bookshop's ISBN or a page number is the
site's business, not a citation.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

from forum.citations.kinds import (
    Identifier,
    InvalidIdentifier,
    make_arxiv,
    make_doi,
    make_pmcid,
    make_pmid,
)

# ncbi.nih.gov (without "nlm") served the same Entrez pages until the 2000s.
NCBI_HOST = re.compile(r"(?:www\d*\.)?ncbi\.(?:nlm\.)?nih\.gov")
DOI_HOSTS = {"doi.org", "dx.doi.org", "www.doi.org"}
ARXIV_HOST = re.compile(r"(?:(?:www|export|[a-z]{2})\.)?arxiv\.org")  # fr.arxiv.org ...
EUROPEPMC_HOSTS = {"europepmc.org", "www.europepmc.org"}
# Publisher pages name the DOI in their path (/doi/10.1111/x, /doi/abs/10.1111/x,
# /article/10.1007/x) or query (?id=10.1371/x); what follows it is the page's.
LINKED_DOI = re.compile(r"(?:^|[/=])(10\.[0-9]{4,9}(?:\.[0-9]+)*/[^?#&]+)")
PAGE_AFTER_DOI = re.compile(
    r"/(?:abstract|abs|full|fulltext|pdf|epdf|pdfplus|summary|meta|asset|suppinfo"
    r"|references|citedby|figures|issuetoc|html)(?:[/.].*)?$|\.pdf$",
    re.I,
)
ENTREZ_PATH = re.compile(r"(?:.*/query\.fcgi|/htbin-post/entrez/query)", re.I)
ENTREZ_UID_PARAMS = ("list_uids", "uids", "uid")


def identify_link(url: str) -> Identifier | None:
    """The paper a PubMed, PMC, doi.org or arXiv link points at, else None.

    Only those sites count: a link elsewhere is never a PMID, whatever digits or
    words it holds.  Old Entrez query links count only with `db=PubMed`, since the
    same links served the nucleotide and protein databases.
    """
    parts = urlsplit(url.replace("&amp;", "&"))
    host, path = (parts.hostname or "").rstrip("."), parts.path
    if host in DOI_HOSTS and path.strip("/"):
        # "dx.doi.org/doi:10.1214/..." happens: the label pasted after the host.
        return make_doi(re.sub(r"^doi:", "", unquote(path.lstrip("/")), flags=re.I))
    if ARXIV_HOST.fullmatch(host):
        found = re.fullmatch(
            r"/(?:abs/|pdf/|ftp/arxiv/papers/[0-9]{4}/)(.+?)(?:\.pdf)?/?", path)
        return make_arxiv(found[1]) if found else None
    if host in EUROPEPMC_HOSTS:
        return _europepmc_link(path)
    if host == "pubmed.ncbi.nlm.nih.gov":
        found = re.fullmatch(r"/([0-9]+)/?", path)
        return make_pmid(found[1]) if found else None
    if host == "pmc.ncbi.nlm.nih.gov" or NCBI_HOST.fullmatch(host):
        return _ncbi_link(path, parts.query)
    return None


def doi_in_link(url: str) -> Identifier | None:
    """The DOI a publisher's page address carries (/doi/10.1111/x/abstract), if any.

    Only a DOI counts: other digits in a link elsewhere (a bookshop's ISBN, a
    page number) are the site's business, not a citation.
    """
    parts = urlsplit(url.replace("&amp;", "&"))
    for place in (unquote(parts.path), unquote(parts.query)):
        found = LINKED_DOI.search(place)
        if found:
            try:
                return make_doi(PAGE_AFTER_DOI.sub("", found[1]))
            except InvalidIdentifier:
                return None
    return None


def _europepmc_link(path: str) -> Identifier | None:
    found = re.fullmatch(
        r"/(?:article|abstract)/(med|pmc)/([a-z]*[0-9]+)/?|/articles/(pmc[0-9]+)/?",
        path, re.I)
    if found is None:
        return None
    if found[3]:
        return make_pmcid(found[3])
    return (make_pmid if found[1].lower() == "med" else make_pmcid)(found[2])


def _ncbi_link(path: str, query: str) -> Identifier | None:
    found = re.match(r"/(?:pmc/)?articles/(pmc[0-9]+)(?:/|$)", path, re.I)
    if found:
        return make_pmcid(found[1])
    found = re.fullmatch(r"/pubmed/([0-9]+)/?", path, re.I)
    if found:
        return make_pmid(found[1])
    if ENTREZ_PATH.fullmatch(path):
        return _entrez_pmid(query)
    return None


def _entrez_pmid(query: str) -> Identifier | None:
    params = {name.lower(): value for name, value in parse_qsl(query)}
    if params.get("db", "").strip().lower() != "pubmed":
        return None
    for name in ENTREZ_UID_PARAMS:
        # list_uids may name several papers; the first is the one cited.
        found = re.match(r"\s*([0-9]+)", params.get(name, ""))
        if found:
            return make_pmid(found[1])
    return None
