"""The identifier record and its kinds: each kind's normal form, address and label.

`make_pmid`, `make_pmcid`, `make_doi`, `make_arxiv` and `make_isbn` take the bare
id (the label and any link already taken off) and return the normal form, or
raise `InvalidIdentifier` with a message a moderator can act on.  Reading what
was pasted or written around the id is `identifiers` and `scan`'s business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import quote

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

DOI_PREFIX = re.compile(r"10\.[0-9]{4,9}(?:\.[0-9]+)*")
ARXIV_NEW = re.compile(r"(?P<id>[0-9]{2}(?:0[1-9]|1[0-2])\.[0-9]{4,5})(?:v[0-9]+)?")
ARXIV_OLD = re.compile(
    r"(?P<archive>[a-z]+(?:-[a-z]+)*)(?P<cls>\.[a-z]{2})?"
    r"/(?P<number>[0-9]{2}(?:0[1-9]|1[0-2])[0-9]{3})(?:v[0-9]+)?",
    re.I,
)
SEPARATORS = re.compile(r"[\s-]+")
# Neither a DOI nor a web address may hold these.
SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


class _Form(NamedTuple):
    address: str  # the modern address where a reader looks the value ("{}") up
    label: str  # the short display text


# One row per kind: a new kind is added here and gets a maker below.
_FORMS = {
    "pmid": _Form("https://pubmed.ncbi.nlm.nih.gov/{}/", "PMID {}"),
    "pmcid": _Form("https://pmc.ncbi.nlm.nih.gov/articles/{}/", "{}"),
    "doi": _Form("https://doi.org/{}", "doi:{}"),  # the value percent-encoded
    "isbn": _Form("https://search.worldcat.org/isbn/{}", "ISBN {}"),
    "arxiv": _Form("https://arxiv.org/abs/{}", "arXiv:{}"),
    "url": _Form("{}", "{}"),  # the label without its scheme, shortened
}
KINDS = tuple(_FORMS)


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


def canonical_url(identifier: Identifier) -> str:
    """The modern address where a reader can look the identifier up."""
    value = identifier.value
    if identifier.kind == "doi":
        value = quote(value, safe=DOI_URL_SAFE)
    return _FORMS[identifier.kind].address.format(value)


def label(identifier: Identifier) -> str:
    """Short display text: "PMID 9068914", "doi:10.1000/xyz", a trimmed address."""
    value = identifier.value
    if identifier.kind == "url":
        value = shorten(re.sub(r"^https?://", "", value, flags=re.I))
    return _FORMS[identifier.kind].label.format(value)


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


def shorten(text: str, limit: int = 60) -> str:
    """`text`, cut to `limit` characters with an ellipsis, for messages and labels."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
            f"{shorten(value)!r} does not."
        )
    if not DOI_PREFIX.fullmatch(prefix):
        raise InvalidIdentifier(
            f"The part of {shorten(value)!r} before the slash should be \"10.\" "
            "and a number of at least four digits, like 10.1007."
        )
    if not slash or not suffix:
        raise InvalidIdentifier(
            f"The DOI {shorten(value)!r} has nothing after \"{prefix}/\": "
            "the rest of it is missing."
        )
    if SPACE_OR_CONTROL.search(value):
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
        f"{shorten(text)!r} is not an arXiv id; they look like 2101.00001 or "
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
            f"979; {shorten(raw.strip())!r} has neither."
        )
    return Identifier("isbn", digits)


def _positive_number(raw: str, name: str, example: str) -> str:
    digits = raw.strip()
    if not re.fullmatch(r"[0-9]+", digits):
        raise InvalidIdentifier(
            f"A {name} is a number, like {example}; {shorten(digits)!r} is not."
        )
    # Stripping zeros (not int()) keeps absurdly long digit runs cheap and safe.
    digits = digits.lstrip("0")
    if not digits:
        raise InvalidIdentifier(f"{name} 0 does not exist: numbering starts at 1.")
    if len(digits) > MAX_DIGITS:
        raise InvalidIdentifier(
            f"{shorten(digits)} is too long for a {name} (at most "
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
