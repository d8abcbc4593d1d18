"""The parts of a reference written out as text: authors, year, source, journal.

The patterns here recognise each part the way 1990s posts and today's reference
lists write it; `reference_shapes` puts the parts together into the shapes a
whole reference takes (Vancouver, APA, "et al.", in-text).  Text in, strings
and matches out.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

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
_APA_NAME_BREAK = re.compile(rf",?{_S}(?:&|and){_S}|(?<=\.),{_S}")
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
# "Schnapf et al. (1990)", "Moore et al., 1992": the year right after the authors.
ADJACENT_YEAR = re.compile(rf"{_S0}[(,]?{_S0}{_YEAR}\)?")
# A reference list item or a paragraph ends a reference's search for its source.
_UNIT_END = re.compile(r"\n[ \t>]*\n|\n[ \t>]*(?:\d{1,3}\.|\[\d{1,3}\]|[*•-])[ \t]")
BRACKETED = re.compile(r"\[[^\]\n]*\]")
TRAILING_DATE = re.compile(rf"(?:[,.(]?\s*{_MONTH}(?:\s*\d{{1,2}})?,?|[,(])\s*$")
_MONTH_WORD = re.compile(_MONTH)
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


def vancouver_names(authors: str) -> list[Author]:
    """"Ng SY, Chambers JB, Jr." as authors."""
    return [Author(name["family"], re.sub(r"[^A-Z]", "", name["initials"]))
            for name in _VANCOUVER_NAME_PARTS.finditer(squash(authors))]


def apa_names(authors: str) -> list[Author]:
    """"Smith, J. A., & Jones, K." as authors."""
    names = _APA_NAME_BREAK.split(squash(authors))
    return [_apa_name(name) for name in names if name]


def _apa_name(name: str) -> Author:
    family, _, initials = name.partition(",")
    return Author(family.strip(), re.sub(r"[^A-Z]", "", initials))


def paper_year(digits: str | None) -> int | None:
    """The year if it is one a paper could carry: 1800 up to this year."""
    if not digits:
        return None
    year = int(digits)
    return year if FIRST_YEAR <= year <= datetime.date.today().year else None


def unit_end(text: str, offset: int) -> int:
    """Where the reference list item or paragraph holding `offset` ends."""
    found = _UNIT_END.search(text, offset, offset + MAX_TAIL + 200)
    return found.start() if found else min(len(text), offset + MAX_TAIL + 200)


def first_source(pattern: re.Pattern[str], body: str) -> re.Match[str] | None:
    """The first volume and pages (`pattern`) within a reference's reach of `body`."""
    return pattern.search(body, 0, MAX_TAIL)


def only_issue_detail(between: str) -> bool:
    """"[epub ahead of print] Jan. 22, " or "69, Suppl 1: Abstract 403, "."""
    words = [word for word in re.findall(r"[^\W\d_]+", between)
             if not _MONTH_WORD.fullmatch(word)]
    return len(between.strip()) <= 60 and len(words) <= 3


def title_and_journal(middle: str, commas: bool = False
                      ) -> tuple[str | None, str | None]:
    """Split "Title. J. Physiol." into title and journal; journal None unless it
    reads like one (see JOURNAL_WORDS)."""
    middle = squash(middle).replace("_", "").strip(" .,;:(")
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


def squash(value: str) -> str:
    """Wrapped and quoted lines joined: newlines, "> " marks and runs of spaces."""
    return " ".join(re.sub(r"\n[ \t>]*", " ", value).split())
