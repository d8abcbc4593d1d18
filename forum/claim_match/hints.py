"""Transparent heuristics for posts that make health claims.

The review queue shows moderators which posts probably make a checkable
health claim and carry no evidence label yet.  Each rule is a named regular
expression a moderator can read on the queue page; a hint records the rule
and the exact words that matched, so the queue says *why* a post is there.
These are hints for a person, not verdicts: they over-include on purpose.

The rules run on every imported post, so each has words that any match must
contain (MUST): a post without them skips the rule's expression, which costs
far more than looking for a word (tests/test_claims.py checks the words are
really needed by every match in real archives).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = r"(?:mg|mcg|µg|ug|g|gm|grams?|milligrams?|micrograms?|iu|i\.u\.|ml|meq)"
RULES: dict[str, tuple[str, re.Pattern]] = {
    # `\d(?<!\w\d)` is `\b\d` written so that the search can skip to the
    # next digit instead of trying every position (twice as fast).
    "dosage": ("a dose, such as 300 mg or 2 x 500 mg", re.compile(
        rf"\d(?<!\w\d)\d{{0,4}}(?:[.,]\d+)?\s?{_UNITS}\b"
        rf"(?:\s*(?:a|per|/)\s*(?:day|dose))?", re.I)),
    "rda": ("a share of a recommended amount, such as 225% the RDA", re.compile(
        r"\b\d{1,4}\s?%\s+(?:of\s+)?(?:the\s+)?(?:RDA|RDI|DV|daily value|"
        r"recommended (?:daily )?(?:allowance|intake))\b", re.I)),
    "cure": ("a cure or a sure effect", re.compile(
        r"\b(?:cures?|cured|curing|miracle|eliminates?|reverses?|guaranteed)\b",
        re.I)),
    "study": ("a reference to research", re.compile(
        r"\b(?:(?:a|the|one|this|another|recent|new|several|many|numerous)\s+"
        r"(?:\w+\s+){0,3}?(?:study|studies|trials?|research|paper|review)\s+"
        r"(?:\w+\s+){0,6}?(?:found|finds|shows?|showed|shown|demonstrated?|"
        r"proved?|proven|reported|suggests?|concluded)|"
        r"research (?:shows|has shown|suggests|proves)|"
        r"studies (?:show|have shown|suggest|prove))\b", re.I)),
    "participants": ("a share of people in a study, such as 75% of participants",
                     re.compile(
        r"\b\d{1,3}(?:\.\d+)?\s?%\s+of\s+(?:the\s+)?(?:\w+\s+)?(?:participants|"
        r"patients|subjects|people|women|men|children|volunteers|users|cases)\b",
        re.I)),
}


# Casefolded words of which every match of a rule holds at least one.
MUST: dict[str, tuple[str, ...]] = {
    "dosage": ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
    "rda": ("%",),
    "cure": ("cur", "miracle", "eliminat", "revers", "guarant"),
    "study": ("stud", "trial", "research", "paper", "review"),
    "participants": ("%",),
}


@dataclass(frozen=True, slots=True)
class ClaimHint:
    rule: str
    start: int
    end: int
    text: str


def find_claim_hints(text: str, limit: int = 20) -> list[ClaimHint]:
    """The matches of every rule in `text`, in text order (at most `limit`)."""
    text = text or ""
    lower = text.casefold()  # as re.I matches: "ſ" is an "s" to both
    hints = [ClaimHint(rule, m.start(), m.end(), m.group())
             for rule, (_why, pattern) in RULES.items()
             if any(word in lower for word in MUST[rule])
             for m in _matches(rule, pattern, text)]
    hints.sort(key=lambda hint: (hint.start, hint.rule))
    return hints[:limit]


# "study" is tried only round its key words (a, the... up to four words before
# one, the verb up to ten after), not at every word of the post: 3x faster.
_STUDY_WORDS = re.compile(r"[sStTrRpP](?i:tud(?:y|ies)|rials?|esearch|aper|eview)")
_BEFORE = 250  # characters: "a" and three words of up to 60 letters before one
_TEN_WORDS = re.compile(r"(?:\W*\w+){0,10}")


def _matches(rule: str, pattern: re.Pattern, text: str):
    """`pattern.finditer(text)`; for "study", tried only round its key words.

    Every match holds a key word, starts within _BEFORE characters before it
    and ends within ten words after it; trying each key word's window from the
    left, and keeping a match only if it starts at or before its key word,
    finds what trying every position finds (tests/test_claims.py checks it).
    """
    if rule != "study":
        yield from pattern.finditer(text)
        return
    last = 0
    for word in _STUDY_WORDS.finditer(text):
        if word.start() < last:
            continue
        after = _TEN_WORDS.match(text, word.end())
        assert after is not None, "_TEN_WORDS matches nothing at worst"
        found = pattern.search(text, max(last, word.start() - _BEFORE), after.end())
        if found is not None and found.start() <= word.start():
            last = found.end()
            yield found


def describe(rule: str) -> str:
    """What a rule looks for, in words, for the queue page."""
    return RULES[rule][0] if rule in RULES else rule
