"""References written out as text in a post: "Bagis S, et al. Rheumatology Int ...".

Posts cite papers the way their writers learnt to: a Vancouver line copied from a
reference list, an APA entry, "Schnapf et al. (1990)", "(Castillo & Engbaek, 1954)".
None of these carries an identifier, so `forum.citations.matching` may later ask
NCBI or Crossref which paper is meant; a moderator confirms every answer.

Detection is deliberately conservative, because a false reference puts a wrong
paper in front of a moderator and, once confirmed, in front of readers.  A span
is reported only when it has an author-like name AND a year from 1800 to this
year AND either journal-like words or "et al." next to the year, or when it has
the full shape of a Vancouver or APA entry.  Whatever `scan.find_citations`
already reports (a PMID, DOI or link inside or right after the reference) is
left to that path: those spans are not reported here.

How each part (authors, year, source, journal) is recognised is
`reference_parts`; how the parts make up each shape is `reference_shapes`.
Pure standard-library code: no Flask, no database, no network.
"""

from __future__ import annotations

import re

from forum.citations.reference_parts import AUTHORS, MAX_TAIL
from forum.citations.reference_shapes import FoundReference, reference_at
from forum.citations.scan import FoundCitation, find_citations

# The record (FoundReference) is imported from reference_shapes, its authors'
# type (Author) from reference_parts.
__all__ = ["find_references"]

# How far before its year a reference may start: its authors and its title and
# journal (MAX_TAIL), with room for a long author list.
_REACH = MAX_TAIL + 400
# A year a reference could carry (FIRST_YEAR to 2099; the parsers check it).
_ANY_YEAR = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")


def find_references(text: str, citations: list[FoundCitation] | None = None
                    ) -> list[FoundReference]:
    """Every reference written out in `text`, in text order, without overlaps.

    `citations` is `find_citations(text)` when the caller already has it; a
    reference holding or followed by one of those is skipped (see the module).
    """
    found: list[FoundReference] = []
    position = 0
    for start, end in _year_windows(text):
        position = max(position, start)
        while match := AUTHORS.search(text, position, end):
            reference = reference_at(text, match)
            if reference is None:
                position = match.start() + 1
                continue
            position = reference.end
            if citations is None:  # only now: the identifier scan costs more
                citations = find_citations(text)
            if not _holds_citation(text, reference, citations):
                found.append(reference)
    return found


def _year_windows(text: str) -> list[tuple[int, int]]:
    """Where references can start: before a year, within a reference's reach.

    Every reference carries a year after its authors, so the authors' pattern
    (the costly part) runs only in these stretches, not over the whole post.
    """
    windows: list[tuple[int, int]] = []
    for year in _ANY_YEAR.finditer(text):
        start, end = max(0, year.start() - _REACH), year.end() + 2
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def _holds_citation(text: str, reference: FoundReference,
                    citations: list[FoundCitation]) -> bool:
    """Whether an identifier sits inside the reference or right after it
    ("... 1999;22:586-93. PMID: 10398318"): then the identifier says which paper."""
    for citation in citations:
        if citation.start < reference.end and citation.end > reference.start:
            return True
        gap = text[reference.end: citation.start]
        if (citation.start >= reference.end and gap.count("\n") <= 1
                and re.fullmatch(r"[\s.,;:()\[\]>]*", gap)):
            return True
    return False
