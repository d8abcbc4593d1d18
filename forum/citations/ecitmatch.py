"""NCBI's citation matcher, ECitMatch: PMIDs for references that name a journal.

ECitMatch takes "journal|year|volume|first page|author|key|" and answers the
same line with a PMID, "NOT_FOUND..." or "AMBIGUOUS [pmid,pmid,...]" appended.
It weighs journal, volume and page above the author, and blanks the echoed
author when the author did not match; the reason given with a candidate says so.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from forum.citations.candidates import Candidate
from forum.citations.clients import (
    LookupFailed,
    NcbiClient,
    RateLimiter,
    Transport,
    urllib_transport,
)
from forum.citations.reference_shapes import FoundReference

ECITMATCH_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/ecitmatch.cgi"
_KEY = "ref1"


@dataclasses.dataclass(frozen=True, slots=True)
class CitationMatch:
    """One ECitMatch answer line: the fields echoed back and what was found."""

    journal: str
    year: str
    volume: str
    first_page: str
    author: str
    key: str
    status: str  # "found", "not_found" or "ambiguous"
    pmids: tuple[str, ...]
    detail: str  # the last field as NCBI wrote it


def citation_string(reference: FoundReference, key: str = _KEY) -> str | None:
    """The "journal|year|volume|first_page|author_name|your_key|" line, or None
    without a journal: ECitMatch matches on the journal first."""
    if not reference.journal:
        return None
    author = reference.first_author
    fields = [_plain(reference.journal), str(reference.year), reference.volume or "",
              reference.first_page or "", _plain(f"{author.family} {author.initials}"),
              key]
    return "|".join(field.replace("|", " ") for field in fields) + "|"


def ecitmatch_url(citations: Iterable[str], tool: str, email: str,
                  api_key: str | None = None) -> str:
    """The ECitMatch URL; several citation strings are joined by carriage returns."""
    params = {"db": "pubmed", "retmode": "xml", "bdata": "\r".join(citations),
              "tool": tool, "email": email}
    if api_key:
        params["api_key"] = api_key
    return f"{ECITMATCH_URL}?{urlencode(params, safe='|')}"


def parse_ecitmatch(body: bytes | str) -> list[CitationMatch]:
    """The answer's lines ("...|key|2014248", "...|key|NOT_FOUND;INVALID_JOURNAL",
    "...|key|AMBIGUOUS 33057196,32076266").

    Raises ValueError for anything else (an HTML error page, JSON): a failure to
    report, not a fact about the reference.
    """
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    matches = []
    for line in re.split(r"\r\n|\r|\n", text):
        if not line.strip():
            continue
        fields = line.split("|")
        if len(fields) < 7:
            raise ValueError("ECitMatch answered a line that is not journal|year|"
                             f"volume|page|author|key|result: {line[:80]!r}")
        journal, year, volume, page, author, key = (f.strip() for f in fields[:6])
        status, pmids, detail = _outcome("|".join(fields[6:]).strip(), line)
        matches.append(CitationMatch(journal, year, volume, page, author, key,
                                     status, pmids, detail))
    return matches


def _outcome(outcome: str, line: str) -> tuple[str, tuple[str, ...], str]:
    if outcome.isdigit():
        return "found", (outcome,), outcome
    if outcome.startswith("AMBIGUOUS"):
        return "ambiguous", tuple(re.findall(r"\d+", outcome)), outcome
    if outcome == "" or outcome.startswith("NOT_FOUND"):
        return "not_found", (), outcome
    raise ValueError(f"ECitMatch answered an unknown result: {line[:80]!r}")


class NcbiCitationMatcher(NcbiClient):
    """PMIDs for references with a journal, from NCBI ECitMatch.

    NCBI counts every E-utility together: pass the esummary source's limiter
    when both run in one process.
    """

    name = "ncbi-ecitmatch"

    def __init__(self, tool: str, email: str, api_key: str | None = None,
                 transport: Transport = urllib_transport,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 limiter: RateLimiter | None = None, key: str = _KEY):
        super().__init__(tool, email, api_key, transport, clock, sleep, limiter)
        self.key = key  # "your_key": one reference is asked at a time

    def query(self, reference: FoundReference) -> str | None:
        return citation_string(reference, self.key)

    def ask(self, query: str) -> dict[str, Any]:
        """The parsed answer as a cacheable dict: {"matches": [...]}."""
        url = ecitmatch_url([query], self.tool, self.email, self.api_key)
        try:
            matches = parse_ecitmatch(self.get(url, accept="text/plain"))
        except (LookupFailed, ValueError) as exc:  # UnicodeDecodeError is a ValueError
            raise LookupFailed(f"NCBI ECitMatch, {query!r}: {exc}") from exc
        return {"matches": [dataclasses.asdict(match) for match in matches]}

    def candidates(self, reference: FoundReference,
                   answer: dict[str, Any]) -> list[Candidate]:
        """PMIDs for the answer line with our key; none when NCBI found nothing."""
        for fields in answer["matches"]:
            match = CitationMatch(**{**fields, "pmids": tuple(fields["pmids"])})
            if match.key == self.key:
                return _ecitmatch_candidates(match, self.name)
        return []  # ECitMatch leaves out lines it cannot classify


def _ecitmatch_candidates(match: CitationMatch, source: str) -> list[Candidate]:
    asked = (f"journal '{match.journal}', year {match.year or '?'}, "
             f"volume {match.volume or '?'}, first page {match.first_page or '?'}")
    author = (f"author '{match.author}' matched" if match.author
              else "the author was not matched by NCBI")
    if match.status == "found":
        why = f"NCBI citation matcher: {asked}; {author}"
        return [Candidate("pmid", match.pmids[0], source, why)]
    if match.status == "ambiguous":
        why = (f"NCBI citation matcher found {len(match.pmids)} papers for {asked}; "
               "this is one of them")
        return [Candidate("pmid", pmid, source, why) for pmid in match.pmids]
    return []


def _plain(text: str) -> str:
    """ECitMatch's form: lower case, no full stops ("proc natl acad sci u s a")."""
    return " ".join(text.replace(".", " ").lower().split())
