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

Pure standard-library code: no Flask, no database, no network.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from forum.citations.scan import FoundCitation, find_citations

FIRST_YEAR = 1800
# A reference, even wrapped over lines, fits in this many characters after its
# authors; a longer stretch is prose that merely mentions a name and a year.
MAX_TAIL = 320
MAX_TITLE_AND_JOURNAL = 260

_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
# Whitespace inside a reference: spaces, or one line break (a wrapped line,
# perhaps quoted with ">"), never a blank line.
_S = r"(?:[ \t]+(?:\n[ \t>]*)?|\n[ \t>]*)"
_S0 = rf"(?:{_S})?"
_PARTICLE = r"(?:(?:van|von|de|der|den|du|di|da|la|le|del|dos)\s)"
_FAMILY = (
    rf"(?<![\w'’.-])(?:{_PARTICLE}{{0,2}})"
    rf"(?:Mc|Mac|O'|O’|D'|D’)?[{_UPPER}][{_LOWER}]+(?:[-'’][{_UPPER}][{_LOWER}]+)?"
)
_INITIALS = rf"[{_UPPER}]{{1,3}}(?![\w'’])"
_DOTTED = rf"(?:[{_UPPER}]\.(?:[ -]?[{_UPPER}]\.){{0,2}})"
_SUFFIX = r"(?:,?[ \t]+(?:Jr|Sr|II|III|2nd|3rd)\.?)"
_ET_AL = rf"(?:[.,]?{_S}et\.?{_S}al\b\.?)"

# "Ng SY", "Chambers JB, Jr.", "Evans, GW", "Smith JA Jr"
_VANCOUVER_NAME = rf"{_FAMILY}(?:,?{_S})(?:{_INITIALS}|{_DOTTED}){_SUFFIX}?"
_VANCOUVER_AUTHORS = (
    rf"(?P<vancouver>{_VANCOUVER_NAME}(?:,{_S}{_VANCOUVER_NAME})*)"
    rf"(?:(?P<v_et_al>{_ET_AL})|(?=[.,]))"
)
# "Smith, J. A., & Jones, K."
_APA_NAME = rf"{_FAMILY},{_S}{_DOTTED}"
_APA_AUTHORS = (
    rf"(?P<apa>{_APA_NAME}(?:,{_S}{_APA_NAME})*"
    rf"(?:,?{_S}(?:&|and){_S}{_APA_NAME})?)(?P<apa_et_al>{_ET_AL})?"
    rf"{_S0}\((?P<apa_year>\d{{4}})[a-z]?\)"
)
# "TK Daneshmend et al.", "Schnapf et al."
_ET_AL_AUTHOR = (
    rf"(?P<lead>(?:(?P<lead_initials>[{_UPPER}]{{1,3}}){_S})?{_FAMILY})"
    rf"(?P<lead_et_al>{_ET_AL})"
)
# "(Castillo & Engbaek, 1954)", "(Smith et al., 1999)"
_IN_TEXT = (
    rf"\((?P<cite_first>{_FAMILY})"
    rf"(?:{_S}(?:&|and){_S}(?P<cite_second>{_FAMILY})|(?P<cite_et_al>{_ET_AL}))"
    rf",?{_S}(?P<cite_year>\d{{4}})[a-z]?\)"
)
_VANCOUVER_NAME_PARTS = re.compile(
    rf"(?P<family>{_FAMILY})(?:,?{_S})(?P<initials>{_INITIALS}|{_DOTTED}){_SUFFIX}?")
AUTHORS = re.compile(
    rf"{_IN_TEXT}|{_APA_AUTHORS}|{_VANCOUVER_AUTHORS}|{_ET_AL_AUTHOR}")

_YEAR = r"(?P<year>1[89]\d\d|20\d\d)"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_PAGES = r"(?P<page>[A-Za-z]?\d+)(?:[-–][A-Za-z]?\d+)?"
_ISSUE = r"(?:\((?P<issue>[^()\n]{1,15})\))"
# "1990;112:539-43", "2012 Mar;70(3):153-64", "1989; 11: 163-180"
SOURCE_YEAR_FIRST = re.compile(
    rf"(?<!\d){_YEAR}(?:{_S}{_MONTH}(?:-{_MONTH})?(?:{_S}\d{{1,2}})?)?{_S0};{_S0}"
    rf"(?P<volume>\d+){_S0}{_ISSUE}?{_S0}:{_S0}{_PAGES}")
# "J Clin Invest 76: 2306, 1985", "Am J Clin Nutr 42:69, 1985"
SOURCE_YEAR_LAST = re.compile(
    rf"(?<![\d:])(?P<volume>\d+){_S0}{_ISSUE}?{_S0}:{_S0}{_PAGES},{_S0}{_YEAR}(?!\d)")
# APA and 1990s journal style after "(1990)": "Journal, 12(3), 45-67", "427 pp681-713"
SOURCE_NO_YEAR = re.compile(
    rf"(?<![\d:])(?P<volume>\d+){_ISSUE}?(?:,|:)?{_S0}(?:pp?\.?{_S0})?{_PAGES}(?!\d)")
ANY_YEAR = re.compile(rf"(?<![\d/.:-]){_YEAR}(?![\d/:-])")
# A reference list item or a paragraph ends a reference's search for its source.
_UNIT_END = re.compile(r"\n[ \t>]*\n|\n[ \t>]*(?:\d{1,3}\.|\[\d{1,3}\]|[*•-])[ \t]")
_BRACKETED = re.compile(r"\[[^\]\n]*\]")
_TRAILING_DATE = re.compile(rf"(?:[,.(]?\s*{_MONTH}(?:\s*\d{{1,2}})?,?|[,(])\s*$")
_SENTENCE_BREAK = re.compile(r"(?<=[.?!])\s+")
_ABBREVIATION = re.compile(rf"[{_UPPER}][{_LOWER}A-Z]{{0,6}}\.")
# Words that show a stretch of text names a journal ("Rheumatology Int", "Nutr Rev").
JOURNAL_WORDS = frozenset("""
    j journal jour rev review reviews res research med medicine medical int intern
    clin clinical ann annals proc acta arch archives am amer br brit eur engl lancet
    bmj jama science nature physiol ther nutr neurol neurology rheumatol rheumatology
    biol biochem chem pharmacol psychiatry psychol pediatr paediatr surg cardiol
    endocrinol metab metabolism invest immunol epidemiol dis sci soc assoc bull lett
    letters trans rep reports gastroenterol hepatol oncol cancer hum natl acad dtsch
    wochenschr nephrol urol dermatol ophthalmol obstet gynecol anesth anaesth
    toxicol genet microbiol infect virol physiother rehabil pain headache cephalalgia
    magnes magnesium trace elem bulletin quarterly annual
""".split())


CONNECTORS = frozenset({"of", "the", "and", "for", "in", "on", "de", "d", "la", "der",
                        "und", "et", "du", "des"})


@dataclass(frozen=True, slots=True)
class Author:
    """An author as written: family name, and initials ("SY") when given."""

    family: str
    initials: str = ""


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
            reference = _reference_at(text, match)
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


# How far before its year a reference may start: its authors and its title and
# journal (MAX_TAIL), with room for a long author list.
_REACH = MAX_TAIL + 400
# A year a reference could carry (FIRST_YEAR to 2099; the parsers check it).
_ANY_YEAR = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")


def _reference_at(text: str, match: re.Match[str]) -> FoundReference | None:
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
    year = _year(match["cite_year"])
    if year is None:
        return None
    authors = [Author(_squash(match["cite_first"]))]
    if match["cite_second"]:
        authors.append(Author(_squash(match["cite_second"])))
    return _build(text, match.start(), match.end(), "in-text", authors,
                  bool(match["cite_et_al"]), year)


def _vancouver(text: str, match: re.Match[str]) -> FoundReference | None:
    """"Ng SY. Title. J Manipulative Physiol Ther 1999;22:586-93" and looser kin.

    With year;volume:pages (or volume:pages, year) the shape itself is enough;
    with only a year, the words before it must name a journal.
    """
    authors = _vancouver_names(match["vancouver"])
    et_al = bool(match["v_et_al"])
    begin, limit = match.end(), _unit_end(text, match.end())
    body = text[begin:limit]
    source = _first(SOURCE_YEAR_FIRST, body) or _first(SOURCE_YEAR_LAST, body)
    if source is not None:
        year = _year(source["year"])
        middle = body[: source.start()]
        if year is None or len(middle) > MAX_TITLE_AND_JOURNAL:
            return None
        title, journal = _title_and_journal(middle)
        if journal is None:
            return None
        return _build(text, match.start(), begin + source.end(), "vancouver",
                      authors, et_al, year, title, journal, source["volume"],
                      source["issue"], source["page"])
    return _year_only(text, match, authors, et_al, "vancouver", begin, limit)


def _lead_et_al(text: str, match: re.Match[str]) -> FoundReference | None:
    """"Schnapf et al. (1990) J. Physiol. 427 pp681-713"; "Moore et al. 1992"."""
    lead = _squash(match["lead"])
    initials = match["lead_initials"] or ""
    family = lead[len(initials):].strip() if initials else lead
    authors = [Author(family, initials)]
    begin, limit = match.end(), _unit_end(text, match.end())
    adjacent = re.compile(rf"{_S0}[(,]?{_S0}{_YEAR}\)?").match(text, begin, limit)
    if adjacent and (year := _year(adjacent["year"])):
        after = adjacent.end()
        source = _first(SOURCE_NO_YEAR, text[after:limit])
        if source is not None:
            title, journal = _title_and_journal(text[after: after + source.start()])
            if journal and source.start() <= MAX_TITLE_AND_JOURNAL:
                return _build(text, match.start(), after + source.end(), "et-al",
                              authors, True, year, title, journal, source["volume"],
                              source["issue"], source["page"])
        return _build(text, match.start(), adjacent.end(), "et-al", authors, True,
                      year)
    source = _first(SOURCE_YEAR_FIRST, text[begin:limit])
    if source is not None and source.start() <= MAX_TITLE_AND_JOURNAL:
        title, journal = _title_and_journal(text[begin: begin + source.start()],
                                            commas=True)
        year = _year(source["year"])
        if journal and year:
            return _build(text, match.start(), begin + source.end(), "et-al",
                          authors, True, year, title, journal, source["volume"],
                          source["issue"], source["page"])
    return _year_only(text, match, authors, True, "et-al", begin, limit)


def _apa(text: str, match: re.Match[str]) -> FoundReference | None:
    """"Smith, J., & Jones, K. (1999). Title. Journal, 12(3), 45-67."""
    year = _year(match["apa_year"])
    if year is None:
        return None
    names = re.split(rf",?{_S}(?:&|and){_S}|(?<=\.),{_S}", _squash(match["apa"]))
    authors = [_apa_name(name) for name in names if name]
    begin, limit = match.end(), _unit_end(text, match.end())
    after = begin + (1 if text.startswith(".", begin) else 0)
    source = _first(SOURCE_NO_YEAR, text[after:limit])
    if source is not None and source.start() <= MAX_TITLE_AND_JOURNAL:
        title, journal = _title_and_journal(text[after: after + source.start()])
        if journal:
            return _build(text, match.start(), after + source.end(), "apa", authors,
                          bool(match["apa_et_al"]), year, title, journal,
                          source["volume"], source["issue"], source["page"])
    if len(authors) > 1 or match["apa_et_al"]:
        return _build(text, match.start(), match.end(), "apa", authors,
                      bool(match["apa_et_al"]), year)
    return None


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
    if year_match is None or _year(year_match["year"]) is None:
        return None
    middle = _BRACKETED.sub(" ", text[begin: year_match.start()])
    cut = re.search(r"\s\d", middle)
    journal_part = middle[: cut.start()] if cut else middle
    trimmed = _TRAILING_DATE.sub("", journal_part)
    if not _only_issue_detail(middle[len(trimmed):]):
        return None
    title, journal = _title_and_journal(trimmed)
    if journal is None:
        return None
    return _build(text, match.start(), year_match.end(), shape, authors, et_al,
                  int(year_match["year"]), title, journal)


def _only_issue_detail(between: str) -> bool:
    """"[epub ahead of print] Jan. 22, " or "69, Suppl 1: Abstract 403, "."""
    words = [word for word in re.findall(r"[^\W\d_]+", between)
             if not re.fullmatch(_MONTH, word)]
    return len(between.strip()) <= 60 and len(words) <= 3


def _title_and_journal(middle: str, commas: bool = False
                       ) -> tuple[str | None, str | None]:
    """Split "Title. J. Physiol." into title and journal; journal None unless it
    reads like one (see JOURNAL_WORDS)."""
    middle = _squash(middle).replace("_", "").strip(" .,;:(")
    if not middle:
        return None, None
    pieces = [piece for piece in _SENTENCE_BREAK.split(middle) if piece]
    if commas and len(pieces) == 1 and ", " in middle:
        pieces = middle.rsplit(", ", 1)
    journal_pieces = [pieces.pop()]
    # "J. Physiol." and "Proc. Natl. Acad. Sci. USA." are one journal, not sentences.
    while pieces and _ABBREVIATION.fullmatch(pieces[-1]):
        journal_pieces.insert(0, pieces.pop())
    journal = " ".join(journal_pieces).strip(" .,")
    title = " ".join(pieces).strip(" .,") or None
    if not _looks_like_journal(journal):
        return None, None
    return title, journal


def _looks_like_journal(words: str) -> bool:
    """Capitalised words (and "of", "the" ...) with at least one journal word."""
    if re.search(r"[:;()<>@=/]", words):
        return False
    tokens = re.findall(r"[^\W\d_]+", words)
    if not 0 < len(tokens) <= 10:
        return False
    if any(token[0].islower() and token not in CONNECTORS for token in tokens):
        return False
    return any(_journal_word(token.lower()) for token in tokens)


def _journal_word(token: str) -> bool:
    """"rheumatology" counts through its stem "rheumatol"."""
    return token in JOURNAL_WORDS or any(
        token.startswith(stem) for stem in JOURNAL_WORDS if len(stem) >= 5)


def _vancouver_names(authors: str) -> list[Author]:
    return [Author(name["family"], re.sub(r"[^A-Z]", "", name["initials"]))
            for name in _VANCOUVER_NAME_PARTS.finditer(_squash(authors))]


def _apa_name(name: str) -> Author:
    family, _, initials = name.partition(",")
    return Author(family.strip(), re.sub(r"[^A-Z]", "", initials))


def _build(text: str, start: int, end: int, shape: str, authors: list[Author],
           et_al: bool, year: int, title: str | None = None,
           journal: str | None = None, volume: str | None = None,
           issue: str | None = None, first_page: str | None = None
           ) -> FoundReference:
    return FoundReference(
        start=start, end=end, text=text[start:end], shape=shape,
        authors=tuple(authors), et_al=et_al, year=year, title=title,
        journal=journal, volume=volume, issue=issue, first_page=first_page)


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


def _unit_end(text: str, offset: int) -> int:
    """Where the reference list item or paragraph holding `offset` ends."""
    found = _UNIT_END.search(text, offset, offset + MAX_TAIL + 200)
    return found.start() if found else min(len(text), offset + MAX_TAIL + 200)


def _first(pattern: re.Pattern[str], body: str) -> re.Match[str] | None:
    return pattern.search(body, 0, MAX_TAIL)


def _year(digits: str | None) -> int | None:
    """The year if it is one a paper could carry: 1800 up to this year."""
    if not digits:
        return None
    year = int(digits)
    return year if FIRST_YEAR <= year <= datetime.date.today().year else None


def _squash(value: str) -> str:
    """Wrapped and quoted lines joined: newlines, "> " marks and runs of spaces."""
    return " ".join(re.sub(r"\n[ \t>]*", " ", value).split())
