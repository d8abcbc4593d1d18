"""The shapes a written reference takes, each read into a `FoundReference`.

`reference_at` is given a match of `reference_parts.AUTHORS` and reads on from
the authors for a year and a source (volume and pages) in the form that shape
uses; it answers None when what follows is not a reference after all.  See
`forum.citations.references` for what counts as one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from forum.citations.reference_parts import (
    ADJACENT_YEAR,
    ANY_YEAR,
    BRACKETED,
    MAX_TAIL,
    MAX_TITLE_AND_JOURNAL,
    SOURCE_NO_YEAR,
    SOURCE_YEAR_FIRST,
    SOURCE_YEAR_LAST,
    TRAILING_DATE,
    Author,
    apa_names,
    first_source,
    only_issue_detail,
    paper_year,
    squash,
    title_and_journal,
    unit_end,
    vancouver_names,
)


@dataclass(frozen=True, slots=True)
class FoundReference:
    """One reference as written: `text == body[start:end]`; fields as parsed.

    `shape` says which form was recognised: "vancouver", "apa", "et-al"
    (a lead author, "et al." and a year) or "in-text" ("(Castillo & Engbaek, 1954)").
    """

    start: int
    end: int
    text: str
    shape: str
    authors: tuple[Author, ...]
    et_al: bool
    year: int
    title: str | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    first_page: str | None = None

    @property
    def first_author(self) -> Author:
        return self.authors[0]

    @property
    def other_authors(self) -> tuple[Author, ...]:
        return self.authors[1:]


def reference_at(text: str, match: re.Match[str]) -> FoundReference | None:
    """The reference whose authors `match` (of AUTHORS) found, if it is one."""
    if match["cite_first"]:
        return _in_text(text, match)
    if match["apa"]:
        return _apa(text, match)
    if match["vancouver"]:
        return _vancouver(text, match)
    return _lead_et_al(text, match)


def _in_text(text: str, match: re.Match[str]) -> FoundReference | None:
    """"(Castillo & Engbaek, 1954)": two names or "et al." make it APA's in-text shape.

    A single "(Name, 1954)" is left out: places and events are written that way too.
    """
    year = paper_year(match["cite_year"])
    if year is None:
        return None
    authors = [Author(squash(match["cite_first"]))]
    if match["cite_second"]:
        authors.append(Author(squash(match["cite_second"])))
    return _build(text, match.start(), match.end(), "in-text", authors,
                  bool(match["cite_et_al"]), year)


def _vancouver(text: str, match: re.Match[str]) -> FoundReference | None:
    """"Ng SY. Title. J Manipulative Physiol Ther 1999;22:586-93" and looser kin.

    With year;volume:pages (or volume:pages, year) the shape itself is enough;
    with only a year, the words before it must name a journal.
    """
    authors = vancouver_names(match["vancouver"])
    et_al = bool(match["v_et_al"])
    begin, limit = match.end(), unit_end(text, match.end())
    body = text[begin:limit]
    source = (first_source(SOURCE_YEAR_FIRST, body)
              or first_source(SOURCE_YEAR_LAST, body))
    if source is not None:
        return _sourced(text, match, begin, source, "vancouver", authors, et_al)
    return _year_only(text, match, authors, et_al, "vancouver", begin, limit)


def _lead_et_al(text: str, match: re.Match[str]) -> FoundReference | None:
    """"Schnapf et al. (1990) J. Physiol. 427 pp681-713"; "Moore et al. 1992"."""
    lead = squash(match["lead"])
    initials = match["lead_initials"] or ""
    family = lead[len(initials):].strip() if initials else lead
    authors = [Author(family, initials)]
    begin, limit = match.end(), unit_end(text, match.end())
    adjacent = ADJACENT_YEAR.match(text, begin, limit)
    if adjacent and (year := paper_year(adjacent["year"])):
        after = adjacent.end()
        source = first_source(SOURCE_NO_YEAR, text[after:limit])
        return (_sourced(text, match, after, source, "et-al", authors, True, year)
                or _build(text, match.start(), after, "et-al", authors, True, year))
    source = first_source(SOURCE_YEAR_FIRST, text[begin:limit])
    return (_sourced(text, match, begin, source, "et-al", authors, True, commas=True)
            or _year_only(text, match, authors, True, "et-al", begin, limit))


def _apa(text: str, match: re.Match[str]) -> FoundReference | None:
    """"Smith, J., & Jones, K. (1999). Title. Journal, 12(3), 45-67."""
    year = paper_year(match["apa_year"])
    if year is None:
        return None
    authors = apa_names(match["apa"])
    et_al = bool(match["apa_et_al"])
    begin, limit = match.end(), unit_end(text, match.end())
    after = begin + (1 if text.startswith(".", begin) else 0)
    source = first_source(SOURCE_NO_YEAR, text[after:limit])
    found = _sourced(text, match, after, source, "apa", authors, et_al, year)
    if found is None and (len(authors) > 1 or et_al):
        return _build(text, match.start(), match.end(), "apa", authors, et_al, year)
    return found


def _sourced(text: str, match: re.Match[str], after: int,
             source: re.Match[str] | None, shape: str, authors: list[Author],
             et_al: bool, year: int | None = None, commas: bool = False
             ) -> FoundReference | None:
    """The reference ending at its `source` (volume and pages, found in the text
    from `after` on), when a title and a journal come before the source.

    `year` is the one found before `after`; without it, the source's own.
    """
    if source is None or source.start() > MAX_TITLE_AND_JOURNAL:
        return None
    if year is None:
        year = paper_year(source["year"])
    title, journal = title_and_journal(text[after: after + source.start()], commas)
    if year is None or journal is None:
        return None
    return _build(text, match.start(), after + source.end(), shape, authors, et_al,
                  year, title, journal, source)


def _year_only(text: str, match: re.Match[str], authors: list[Author], et_al: bool,
               shape: str, begin: int, limit: int) -> FoundReference | None:
    """Authors, then journal words, then a year: "Bagis S, et al. Rheumatology Int
    [epub ahead of print] Jan. 22, 2012".

    Without volume and pages the shape says little, so this asks for more: several
    authors or "et al.", and nothing but a date or a few words of issue detail
    between the journal and the year ("David R. Rubinow ... News, 1987" is prose).
    """
    if not et_al and len(authors) < 2:
        return None
    year_match = ANY_YEAR.search(text, begin, min(limit, begin + MAX_TAIL))
    if year_match is None or paper_year(year_match["year"]) is None:
        return None
    middle = BRACKETED.sub(" ", text[begin: year_match.start()])
    cut = re.search(r"\s\d", middle)
    journal_part = middle[: cut.start()] if cut else middle
    trimmed = TRAILING_DATE.sub("", journal_part)
    if not only_issue_detail(middle[len(trimmed):]):
        return None
    title, journal = title_and_journal(trimmed)
    if journal is None:
        return None
    return _build(text, match.start(), year_match.end(), shape, authors, et_al,
                  int(year_match["year"]), title, journal)


def _build(text: str, start: int, end: int, shape: str, authors: list[Author],
           et_al: bool, year: int, title: str | None = None,
           journal: str | None = None, source: re.Match[str] | None = None
           ) -> FoundReference:
    """The reference `text[start:end]`; volume, issue and first page from `source`."""
    return FoundReference(
        start=start, end=end, text=text[start:end], shape=shape,
        authors=tuple(authors), et_al=et_al, year=year, title=title,
        journal=journal, volume=source["volume"] if source else None,
        issue=source["issue"] if source else None,
        first_page=source["page"] if source else None)
