"""Research identifiers (PMID, PMCID, DOI, ISBN, arXiv, web address) as pasted.

Moderators paste whatever they have at hand: a bare number, a labelled id
("PMID: 123"), a resolver link, or a 1990s Entrez URL copied from an archived
post.  `parse_identifier` brings every form to one normal value, so the same
paper cited two ways is one record, and otherwise raises `InvalidIdentifier`
with a message a moderator can act on.

The record and each kind's normal form are `forum.citations.kinds`; which
paper a link points at is `forum.citations.links`.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from forum.citations.kinds import (
    ARXIV_NEW,
    ARXIV_OLD,
    MAX_DIGITS,
    MAX_LENGTH,
    SEPARATORS,
    SPACE_OR_CONTROL,
    Identifier,
    InvalidIdentifier,
    make_arxiv,
    make_doi,
    make_isbn,
    make_pmcid,
    make_pmid,
    shorten,
)
from forum.citations.links import identify_link

# The record `parse_identifier` returns, the error it raises and the address a
# record is shown with are imported from forum.citations.kinds.
__all__ = ["parse_identifier"]

LABELLED = re.compile(
    r"(?P<label>pmid|pubmed(?:\s+id)?|pmcid|doi|arxiv|isbn(?:-1[03])?)"
    r"(?:\s*[:#-]\s*|\s+|(?<=pmid)(?=[0-9]))(?P<rest>.+)",
    re.I | re.S,
)
SCHEME = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*):", re.I)
SCHEMELESS_HOST = re.compile(r"(?:[\w-]+\.)+[a-z]{2,}(?::[0-9]+)?/")


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


def _parse_web_address(text: str) -> Identifier | None:
    scheme = SCHEME.match(text)
    if not scheme or scheme["scheme"].lower() not in ("http", "https"):
        return None
    if SPACE_OR_CONTROL.search(text):
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
        f"{shorten(text)!r} is not a PMID, PMCID, DOI, ISBN, arXiv id or web address "
        "that this archive recognises."
    )


def _strip_resolver(text: str) -> str:
    """`doi: https://doi.org/10.1000/x` happens; the DOI is what follows the host."""
    found = re.match(r"(?:https?://)?(?:dx\.|www\.)?doi\.org/", text, re.I)
    return unquote(text[found.end():]) if found else text
