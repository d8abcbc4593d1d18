"""Research identifiers (PMID, PMCID, DOI, ISBN, arXiv, web address) as records.

Moderators paste whatever they have at hand: a bare number, a labelled id
("PMID: 123"), a resolver link, or a 1990s Entrez URL copied from an archived
post.  `parse_identifier` brings every form to one normal value, so the same
paper cited two ways is one record, and otherwise raises `InvalidIdentifier`
with a message a moderator can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlsplit

KINDS = ("pmid", "pmcid", "doi", "isbn", "arxiv", "url")
# Room for any real DOI or article address; longer pastes are tracking junk or
# several things at once.
MAX_LENGTH = 500
# PMIDs passed 40 million in 2025 (PMCIDs 12 million); nine digits leaves room
# and keeps a bare PMID apart from the 10- and 13-digit ISBNs.
MAX_DIGITS = 9
# A closing bracket is kept when the candidate itself opened it (SICI DOIs such
# as 10.1002/(SICI)1097-0258(...)17:15/16<1661::AID-SIM968>3.0.CO;2-2).
BRACKETS = {")": "(", "]": "[", "}": "{", ">": "<"}
TRAILING = ".,;:!?'\"" + "".join(BRACKETS)
# Characters a DOI may keep in a URL path; the rest (space, %, #, ?, <, >, quotes,
# non-ASCII) must be percent-encoded.
DOI_URL_SAFE = "/:;()[]@!$&'*+,="

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

DOI_PREFIX = re.compile(r"10\.[0-9]{4,9}(?:\.[0-9]+)*")
ARXIV_NEW = re.compile(r"(?P<id>[0-9]{2}(?:0[1-9]|1[0-2])\.[0-9]{4,5})(?:v[0-9]+)?")
ARXIV_OLD = re.compile(
    r"(?P<archive>[a-z]+(?:-[a-z]+)*)(?P<cls>\.[a-z]{2})?"
    r"/(?P<number>[0-9]{2}(?:0[1-9]|1[0-2])[0-9]{3})(?:v[0-9]+)?",
    re.I,
)
LABELLED = re.compile(
    r"(?P<label>pmid|pubmed(?:\s+id)?|pmcid|doi|arxiv|isbn(?:-1[03])?)"
    r"(?:\s*[:#-]\s*|\s+|(?<=pmid)(?=[0-9]))(?P<rest>.+)",
    re.I | re.S,
)
SCHEME = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*):", re.I)
SCHEMELESS_HOST = re.compile(r"(?:[\w-]+\.)+[a-z]{2,}(?::[0-9]+)?/")
SEPARATORS = re.compile(r"[\s-]+")


class InvalidIdentifier(ValueError):
    """Input that is no usable identifier; the message says why in plain words."""


@dataclass(frozen=True, slots=True)
class Identifier:
    """A normalised research identifier: build it with `parse_identifier`."""

    kind: str
    value: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown identifier kind {self.kind!r}")

    @property
    def key(self) -> str:
        """The value to deduplicate on within a kind: DOIs ignore case, so lowered."""
        return self.value.lower() if self.kind == "doi" else self.value


def parse_identifier(text: str) -> Identifier:
    """The identifier in what a moderator pasted, or `InvalidIdentifier`."""
    cleaned = text.strip()
    if not cleaned:
        raise InvalidIdentifier(
            "Nothing was entered: paste a PMID, PMCID, DOI, ISBN, arXiv id or link."
        )
    if len(cleaned) > MAX_LENGTH:
        raise InvalidIdentifier(
            f"That is {len(cleaned):,} characters long, too long for an identifier "
            f"or web address (the limit is {MAX_LENGTH:,})."
        )
    for parse in (_parse_web_address, _parse_labelled, _parse_bare):
        found = parse(cleaned)
        if found is not None:
            return found
    return _parse_leftover(cleaned)


def canonical_url(identifier: Identifier) -> str:
    """The modern address where a reader can look the identifier up."""
    value = identifier.value
    if identifier.kind == "doi":
        return "https://doi.org/" + quote(value, safe=DOI_URL_SAFE)
    return {
        "pmid": "https://pubmed.ncbi.nlm.nih.gov/{}/",
        "pmcid": "https://pmc.ncbi.nlm.nih.gov/articles/{}/",
        "arxiv": "https://arxiv.org/abs/{}",
        "isbn": "https://search.worldcat.org/isbn/{}",
        "url": "{}",
    }[identifier.kind].format(value)


def label(identifier: Identifier) -> str:
    """Short display text: "PMID 9068914", "doi:10.1000/xyz", a trimmed address."""
    value = identifier.value
    if identifier.kind == "url":
        shown = re.sub(r"^https?://", "", value, flags=re.I)
        return shown if len(shown) <= 60 else shown[:59] + "…"
    return {
        "pmid": "PMID {}",
        "pmcid": "{}",
        "doi": "doi:{}",
        "arxiv": "arXiv:{}",
        "isbn": "ISBN {}",
    }[identifier.kind].format(value)


def trim_trailing(candidate: str) -> str:
    """Drop sentence punctuation after an id, keeping brackets it opened itself."""
    # Open-minus-close per bracket kind, updated as closers are dropped, so a
    # long run of punctuation costs linear time.
    balance = {close: candidate.count(open_) - candidate.count(close)
               for close, open_ in BRACKETS.items()}
    end = len(candidate)
    while end and candidate[end - 1] in TRAILING:
        char = candidate[end - 1]
        if char in balance:
            if balance[char] >= 0:
                break
            balance[char] += 1
        end -= 1
    return candidate[:end]


# Kind by kind: each takes the bare id and returns the normal form or raises.


def make_pmid(raw: str) -> Identifier:
    """PMID as digits without leading zeros."""
    return Identifier("pmid", _positive_number(raw, "PMID", "9068914"))


def make_pmcid(raw: str) -> Identifier:
    """PMCID as "PMC" + digits; the "PMC" may be left out when pasting."""
    digits = re.sub(r"^pmc\s*", "", raw.strip(), flags=re.I)
    return Identifier("pmcid", "PMC" + _positive_number(digits, "PMCID", "PMC2137130"))


def make_doi(raw: str) -> Identifier:
    """DOI as given (case kept) without trailing sentence punctuation."""
    value = trim_trailing(raw.strip())
    prefix, slash, suffix = value.partition("/")
    if not value.startswith("10."):
        raise InvalidIdentifier(
            f"A DOI starts with \"10.\", like 10.1007/s00296-011-2334-8; "
            f"{_short(value)!r} does not."
        )
    if not DOI_PREFIX.fullmatch(prefix):
        raise InvalidIdentifier(
            f"The part of {_short(value)!r} before the slash should be \"10.\" "
            "and a number of at least four digits, like 10.1007."
        )
    if not slash or not suffix:
        raise InvalidIdentifier(
            f"The DOI {_short(value)!r} has nothing after \"{prefix}/\": "
            "the rest of it is missing."
        )
    if re.search(r"[\s\x00-\x1f\x7f]", value):
        raise InvalidIdentifier("A DOI cannot contain spaces or line breaks.")
    if len(value) > MAX_LENGTH:
        raise InvalidIdentifier(f"That DOI is longer than {MAX_LENGTH} characters.")
    return Identifier("doi", value)


def make_arxiv(raw: str) -> Identifier:
    """arXiv id without its version suffix (v2 ...): the record is the paper."""
    text = raw.strip()
    new = ARXIV_NEW.fullmatch(text)
    if new:
        return Identifier("arxiv", new["id"])
    old = ARXIV_OLD.fullmatch(text)
    if old:
        subject = (old["cls"] or "").upper()
        return Identifier("arxiv", f"{old['archive'].lower()}{subject}/{old['number']}")
    raise InvalidIdentifier(
        f"{_short(text)!r} is not an arXiv id; they look like 2101.00001 or "
        "hep-th/9901001."
    )


def make_isbn(raw: str) -> Identifier:
    """ISBN as 13 digits, after checking the check digit of the 10 or 13 given."""
    digits = SEPARATORS.sub("", raw).upper()
    if re.fullmatch(r"[0-9]{9}[0-9X]", digits):
        _check_isbn(digits, _isbn10_ok(digits))
        digits = _isbn10_to_13(digits)
    elif re.fullmatch(r"97[89][0-9]{10}", digits):
        _check_isbn(digits, _isbn13_sum(digits) % 10 == 0)
    else:
        raise InvalidIdentifier(
            f"An ISBN has 10 digits (the last may be X) or 13 starting with 978 or "
            f"979; {_short(raw.strip())!r} has neither."
        )
    return Identifier("isbn", digits)


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


def _parse_web_address(text: str) -> Identifier | None:
    scheme = SCHEME.match(text)
    if not scheme or scheme["scheme"].lower() not in ("http", "https"):
        return None
    if re.search(r"[\s\x00-\x1f\x7f]", text):
        raise InvalidIdentifier("A web address cannot contain spaces or line breaks.")
    try:
        parts = urlsplit(text)
    except ValueError as error:
        raise InvalidIdentifier(f"That web address cannot be read ({error}).") from None
    if not parts.hostname:
        raise InvalidIdentifier("That web address has no site name after \"//\".")
    return identify_link(text) or Identifier("url", text)


def _parse_labelled(text: str) -> Identifier | None:
    found = LABELLED.fullmatch(text)
    if not found:
        return None
    name, rest = found["label"].lower(), found["rest"]
    if name == "doi":
        return make_doi(_strip_resolver(rest.strip()))
    if name == "pmcid":
        return make_pmcid(rest)
    if name == "arxiv":
        return make_arxiv(rest)
    if name.startswith("isbn"):
        return make_isbn(rest)
    return make_pmid(rest)


def _parse_bare(text: str) -> Identifier | None:
    compact = SEPARATORS.sub("", text)
    if re.fullmatch(rf"[0-9]{{1,{MAX_DIGITS}}}", text):
        return make_pmid(text)
    if re.fullmatch(r"pmc\s*[0-9]+", text, re.I):
        return make_pmcid(text)
    # arXiv before DOI: ids of 2010 (1001.01234, 1012.5678) also begin "10.".
    if ARXIV_NEW.fullmatch(text) or ARXIV_OLD.fullmatch(text):
        return make_arxiv(text)
    if text.startswith("10."):
        return make_doi(text)
    if re.fullmatch(r"[0-9][0-9\s-]*[0-9Xx]", text) and len(compact) in (10, 13):
        return make_isbn(text)
    return None


def _parse_leftover(text: str) -> Identifier:
    """Schemeless resolver links are accepted; anything else gets a reason."""
    if SCHEMELESS_HOST.match(text):
        found = _parse_web_address("https://" + text)
        if found is not None and found.kind != "url":
            return found
        raise InvalidIdentifier(
            "Web addresses must start with http:// or https:// so readers can "
            "open them; add it in front."
        )
    scheme = SCHEME.match(text)
    if scheme:
        raise InvalidIdentifier(
            f"Only web addresses starting with http:// or https:// can be cited; "
            f"{scheme['scheme'].lower()}: links cannot."
        )
    raise InvalidIdentifier(
        f"{_short(text)!r} is not a PMID, PMCID, DOI, ISBN, arXiv id or web address "
        "that this archive recognises."
    )


def _strip_resolver(text: str) -> str:
    """`doi: https://doi.org/10.1000/x` happens; the DOI is what follows the host."""
    found = re.match(r"(?:https?://)?(?:dx\.|www\.)?doi\.org/", text, re.I)
    return unquote(text[found.end():]) if found else text


def _positive_number(raw: str, name: str, example: str) -> str:
    digits = raw.strip()
    if not re.fullmatch(r"[0-9]+", digits):
        raise InvalidIdentifier(
            f"A {name} is a number, like {example}; {_short(digits)!r} is not."
        )
    # Stripping zeros (not int()) keeps absurdly long digit runs cheap and safe.
    digits = digits.lstrip("0")
    if not digits:
        raise InvalidIdentifier(f"{name} 0 does not exist: numbering starts at 1.")
    if len(digits) > MAX_DIGITS:
        raise InvalidIdentifier(
            f"{_short(digits)} is too long for a {name} (at most "
            f"{MAX_DIGITS} digits)."
        )
    return digits


def _check_isbn(digits: str, valid: bool) -> None:
    if not valid:
        raise InvalidIdentifier(
            f"The ISBN {digits} fails its check digit, so it is probably mistyped; "
            "copy it again from the book or catalogue."
        )


def _isbn10_ok(digits: str) -> bool:
    values = [10 if char == "X" else int(char) for char in digits]
    return sum((10 - place) * value for place, value in enumerate(values)) % 11 == 0


def _isbn13_sum(digits: str) -> int:
    return sum(int(char) * (3 if place % 2 else 1) for place, char in enumerate(digits))


def _isbn10_to_13(digits: str) -> str:
    body = "978" + digits[:9]
    return body + str(-_isbn13_sum(body) % 10)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
