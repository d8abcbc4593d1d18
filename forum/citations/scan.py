"""Research citations written in a post's stored plain text.

Usenet posts of the 1990s and 2000s cite papers as Entrez links whose form
changed several times and no longer resolve; readers need today's PubMed
address.  This module only reports what it finds, with offsets into the text, so
a renderer can link each span in place; the stored body is never rewritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from forum.citations.kinds import (
    Identifier,
    canonical_url,
    make_arxiv,
    make_doi,
    make_isbn,
    make_pmcid,
    make_pmid,
    trim_trailing,
)
from forum.citations.links import doi_in_link, identify_link

# One alternation, so a link is taken whole before the DOI or "PMC123" inside it
# could be taken on its own.  Only the outer groups are named (see `_identify`).
_URL_CHARS = r"[^\s<>\"]"
# An ISBN as printed: 10 or 13 digits in up to four groups split by a hyphen or
# a space ("0-19-852663-6", "0 04 355027 4", "978-1-4419-0051-7").  Which it is
# and whether it is one at all is the check digit's call (`make_isbn`).
_ISBN = r"(?:97[89][- ]?)?[0-9]{1,5}[- ]?[0-9]{1,7}[- ]?[0-9]{1,7}[- ]?[0-9xX](?![\w-])"
# Between "ISBN" and its number: "ISBN:", "ISBN#", "ISBN-13:", "{ISBN} ",
# "isbn={...}", "ISBN (paper)", "The ISBN is".
_ISBN_LABEL = (r"\bisbn(?:-?1[03])?\b(?:\s*\([a-z -]{1,15}\))?[ \t:#=}{\"]*"
               r"(?:is\s+)?(?:\n[ \t]*(?:>[ \t]*)*)?")
CITATION = re.compile(
    rf"""
    (?P<link>
        \bhttps?://{_URL_CHARS}+
      | (?<![\w.@/:-])(?:[\w-]+\.){{0,3}}
        (?:ncbi\.(?:nlm\.)?nih\.gov|doi\.org|arxiv\.org|europepmc\.org)
        (?::[0-9]+)?/{_URL_CHARS}*
    )
  | (?P<pmid>
        \b(?:pmid\}}?|pubmed\s+id)\s*[:#-]?\}}?\s*[0-9]+\b
      | \bpubmed\s*:\s*[0-9]+\b
    )
  | (?P<pmcid>\b(?:pmcid\s*[:#-]?\s*(?:pmc)?|pmc)[0-9]+\b)
  | (?P<doi>(?:\bdoi(?:\s*:\s*|\s+))?\b10\.[0-9]{{4,9}}(?:\.[0-9]+)*/[^\s"]+)
  | (?P<arxiv>
        \barxiv(?:\s*:\s*|\s+)
        (?:[0-9]{{4}}\.[0-9]{{4,5}}|[a-z]+(?:-[a-z]+)*(?:\.[a-z]{{2}})?/[0-9]{{7}})
        (?:v[0-9]+)?\b
    )
  | (?P<isbn>{_ISBN_LABEL}{_ISBN})
  | (?P<isbn13>(?<![\w/.-])97[89](?:[- ]?[0-9]){{10}}(?![\w-]))
    """,
    re.I | re.X,
)
# More ISBNs after a labelled one, on its line or the next: "ISBN 0470856041,
# 9780470856048", "ISBN (hardcover) 0-8018-2494-X (paper) 0-8018-3407-4".  Each
# must pass its check digit, and the first number that does not ends the list.
ISBN_NEXT = re.compile(
    rf"(?:[ \t]*\([\w -]{{1,15}}\))?[ \t]*[,;/&]?[ \t]*(?:(?:and|or)\b)?"
    rf"(?:[ \t]*\n[ \t]*(?:>[ \t]*)*|[ \t]*)"
    rf"(?:\([\w -]{{1,15}}\)[ \t]*)?(?P<isbn>{_ISBN})",
    re.I,
)
# Every citation the scan can report holds one of these.  Scanning only round
# them (from the start of the line before to the end of the line after) finds
# what a scan of the whole text finds, at a fraction of the cost: the full
# expression is slow to try at every position of a 2 KB post.
# Its first letter is spelled out so the search can skip from one candidate
# letter to the next (3x faster than the same words under re.I), and a post
# without any of TRIGGER_WORDS is not searched at all.
TRIGGER = re.compile(
    r"[nNdDaApPiI1](?:(?i:cbi\.(?:nlm\.)?nih\.gov|oi\.org|rxiv|mid|ubmed|mc|sbn)"
    r"|(?<=1)0\.[0-9]{4})"
    r"|97[89][- ]?[0-9]")
TRIGGER_WORDS = ("ncbi.nlm.nih.gov", "ncbi.nih.gov", "doi.org", "arxiv", "pmid",
                 "pubmed", "pmc", "10.", "isbn", "978", "979")
QUOTED_LINE = re.compile(r"[ \t]?>")
_SPACES = re.compile(r"[\s:#-]*")  # between a label and its id
# A link cut at one of these before a line end cannot be complete, so the next
# line is taken as its continuation (mail clients wrapped long Entrez links).
UNFINISHED_LINK_END = "=&?"
QUOTE_MARKS = re.compile(r"[ \t]?(?:>[ \t]?)*")
LINE_START = re.compile(rf"(?P<quote>[ \t]?(?:>[ \t]?)*){_URL_CHARS}+")


@dataclass(frozen=True, slots=True)
class FoundCitation:
    """One citation as written: `text == body[start:end]`, `url` is the modern one."""

    identifier: Identifier
    start: int
    end: int
    text: str
    url: str
    in_quote: bool


def find_citations(text: str) -> list[FoundCitation]:
    """Every PMID, PMCID, DOI, arXiv id, ISBN and PubMed link in `text`, in order.

    Each occurrence is reported, so a PMID linked twice gives two results.  Links
    to other sites are skipped whole, except for a DOI a publisher's address holds.
    """
    found: list[FoundCitation] = []
    lower = text.casefold()
    if not any(word in lower for word in TRIGGER_WORDS):
        return found
    position = 0
    while trigger := TRIGGER.search(text, position):
        begin = max(position, _line_start(text, _line_start(text, trigger.start()) - 1))
        # The id may follow its label after blank lines ("arXiv:\n\nhep-th/..."):
        # the line after is counted from the first character after the label.
        after = _matched(_SPACES.match(text, trigger.end())).end()
        stop = _line_end(text, _line_end(text, after) + 1)
        match = CITATION.search(text, begin, stop)
        if match is None:
            position = trigger.start() + 1
            continue
        for start, end, identifier in _identify_all(text, match):
            position = max(end, match.start() + 1)
            if identifier is not None:
                found.append(_citation(text, start, end, identifier))
    return found


def _identify_all(
    text: str, match: re.Match[str]
) -> list[tuple[int, int, Identifier | None]]:
    """The match's citation, and the ISBNs listed after a labelled one."""
    spans = [_identify(text, match)]
    if match.lastgroup == "isbn":
        while following := ISBN_NEXT.match(text, spans[-1][1]):
            start, end = following.span("isbn")
            try:
                spans.append((start, end, make_isbn(following["isbn"])))
            except ValueError:
                break
    return spans


def _identify(text: str, match: re.Match[str]) -> tuple[int, int, Identifier | None]:
    """The span (trimmed of trailing punctuation) and what it identifies, if valid."""
    kind, start = match.lastgroup, match.start()
    assert kind is not None, "every CITATION alternative is a named group"
    end = start + len(trim_trailing(match.group()))
    if kind == "link":
        return _identify_link(text, start, end)
    try:
        return start, end, _MAKERS[kind](text[start:end])
    except ValueError:
        return start, end, None


def _identify_link(
    text: str, start: int, end: int
) -> tuple[int, int, Identifier | None]:
    """A wrapped link is taken whole only when the joined link is a citation."""
    url = text[start:end]
    # A "?" before the line end was trimmed as punctuation, yet ends a query.
    cut = end + 1 if text[end : end + 2] == "?\n" else end
    joined = _continuation(text, start, cut)
    if joined is not None:
        url = text[start:cut]
        identifier = _link_identifier(url + text[joined[0] : joined[1]])
        if identifier is not None:
            return start, joined[1], identifier
    return start, end, _link_identifier(url)


def _link_identifier(url: str) -> Identifier | None:
    if not re.match(r"https?://", url, re.I):
        url = "http://" + url
    try:
        return identify_link(url) or doi_in_link(url)
    except ValueError:  # a malformed id or address in a link: not a citation
        return None


def _continuation(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Where a link wrapped onto the next line goes on, if it plainly does."""
    if text[end - 1] not in UNFINISHED_LINK_END or text[end : end + 1] != "\n":
        return None
    line = LINE_START.match(text, end + 1)
    if line is None or line["quote"].strip() != _quote_prefix(text, start).strip():
        return None
    rest = trim_trailing(text[line.end("quote") : line.end()])
    return (line.end("quote"), line.end("quote") + len(rest)) if rest else None


def _citation(text: str, start: int, end: int, identifier: Identifier) -> FoundCitation:
    return FoundCitation(
        identifier=identifier,
        start=start,
        end=end,
        text=text[start:end],
        url=canonical_url(identifier),
        in_quote=bool(QUOTED_LINE.match(text, _line_start(text, start))),
    )


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, max(offset, 0)) + 1


def _line_end(text: str, offset: int) -> int:
    """Where the line holding `offset` ends (its newline, or the text's end)."""
    end = text.find("\n", offset)
    return len(text) if end < 0 else end


def _matched(match: re.Match[str] | None) -> re.Match[str]:
    """The match of a pattern that cannot fail here (it may match nothing, or
    it matched the span it is applied to already, as part of CITATION)."""
    assert match is not None
    return match


def _quote_prefix(text: str, offset: int) -> str:
    """The reply markers ("> ", ">> ") the line holding `offset` starts with."""
    return _matched(QUOTE_MARKS.match(text, _line_start(text, offset))).group()


def _digits_at_end(span: str) -> str:
    return _matched(re.search(r"[0-9]+$", span)).group()


def _after_label(span: str) -> str:
    return re.sub(r"^arxiv\s*:?\s*", "", span, flags=re.I)


def _isbn_part(span: str) -> str:
    return _matched(re.search(_ISBN + "$", span, re.I)).group()


def _doi_part(span: str) -> str:
    return span[span.index("10.") :]


_MAKERS = {
    "pmid": lambda span: make_pmid(_digits_at_end(span)),
    "pmcid": lambda span: make_pmcid(_digits_at_end(span)),
    "doi": lambda span: make_doi(_doi_part(span)),
    "arxiv": lambda span: make_arxiv(_after_label(span)),
    "isbn": lambda span: make_isbn(_isbn_part(span)),
    "isbn13": make_isbn,
}
