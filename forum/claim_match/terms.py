"""What a claim or a sentence says, as matching sees it: `claim_terms()`.

Casefolded NFKC words, stop words dropped, Porter-stemmed (the same stemmer
as Whoosh's analyser, so matching and search agree on what a word is),
numbers kept whole ("2.5", "300"), synonyms mapped to one word; and the parts
of a sentence's structure the penalties compare: the words a negation
governs, each agent and its state, prepositional complements, clauses (a
condition set aside), cause and effect, and the journals named.  Terms know
nothing of scores, so weights and the propagation service can read them too.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from whoosh.lang.porter import stem

from forum.claim_match.splitting import _BULLET, _QUOTE_PREFIX
from forum.claim_match.synonyms import (
    _BY_CASE,
    _BY_STEM,
    _CLAUSE_WORDS,
    _CONTINUED_BY_TO,
    _DEFICIT,
    _DETERMINERS,
    _FIRST_CASE,
    _FIRST_STEM,
    _LEVEL,
    _LONGEST,
    _NEGATION_STOPS,
    _RATIO,
    _REPORTING,
    _SURPLUS,
    _TOKEN,
    _VITAMIN,
    ENTITIES,
    PREPOSITIONS,
    _canonical_word,
)

# A negation governs the next few content words; only there does it flip a claim.
NEGATION_REACH = 2
STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because
been before being below between both but by can could did do does doing down
during each either etc few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just may me
might mine most must my myself of off on once only or other our ours ourselves
out over own per same she should so some such than that the their theirs them
themselves then there these they this those through thus to too under until up
upon us very was we were what when where which while who whom why will with
would you your yours yourself yourselves one s t d ll re ve m
""".split()) | frozenset(
    # Who says it and how sure they are is not what is said: "Bagis found",
    # "research indicates", "is well known for being able to".
    """
    well known able shown show shows showed found find finds study studies
    research researchers indicate indicates indicated suggest suggests suggested
    demonstrate demonstrated demonstrates report reported reports according fact
    plus another recent claim claims say says said state stated stating appear
    appears seem seems likely often really actually indeed even still yet
    generally currently course regard happen happens happened
    """.split())
NEGATIONS = frozenset({"not", "no", "never", "none", "neither", "nor", "cannot",
                       "without", "nothing"})
# Words after which "t" is the n't of a contraction ("didn't" -> "didn", "t").
_CONTRACTED = re.compile(r"^(?:.*n|can|won|ain)$")
NUMBER_WORDS = frozenset("""
two three four five six seven eight nine ten eleven twelve twenty thirty forty
fifty sixty seventy eighty ninety hundred thousand million billion half dozen
""".split())


@dataclass(frozen=True, slots=True)
class Terms:
    """What a claim or sentence says, as matching sees it."""

    stems: tuple[str, ...]
    phrases: frozenset[str]
    numbers: frozenset[str]
    negated: frozenset[str]  # stems within reach of a negation
    words: frozenset[str]  # unstemmed content words, for opposite words
    mapped: tuple[str, ...] = ()  # "Mg → magnesium": synonyms used
    agents: tuple[tuple[str, str], ...] = ()  # substances named, with state
    slots: tuple[tuple[str, frozenset[str]], ...] = ()  # "common" in "US popul"
    clauses: tuple[frozenset[str], ...] = ()
    causes: tuple[frozenset[str], frozenset[str]] | None = None
    has_negation: bool = False
    # Stems standing only for part of one multi-word name ("ET" -> essential
    # tremor), with the number of words in that name.
    units: tuple[tuple[str, int], ...] = ()
    sources: tuple[str, ...] = ()  # named journals: "Movement Disorders"


_PIECE = re.compile(r"\b[^\W\d_]\d{1,2}\b|\d+(?:[.,]\d+)*|[^\W\d_]+|[,;:()\[\]]"
                    r"|[.!?](?=\s|$)")
_BREAK = "|"  # a clause break in the term sequence


def normalise(text: str) -> str:
    """NFKC, casefolded, typographic apostrophes made plain."""
    return unicodedata.normalize("NFKC", text).casefold().replace("’", "'")


@lru_cache(maxsize=1 << 16)
def _stem(token: str) -> str:
    """Porter's stem, remembered: the same few thousand words recur in every post."""
    return token if token[0].isdigit() else stem(token)


def _unquoted(text: str) -> str:
    """`text` without the quote markers and bullets that start its lines."""
    if "\n" not in text and not _QUOTE_PREFIX.match(text) and not _BULLET.match(text):
        return text
    lines = []
    for line in text.split("\n"):
        prefix = _QUOTE_PREFIX.match(line)
        line = line[prefix.end():] if prefix else line
        bullet = _BULLET.match(line)
        lines.append(line[bullet.end():] if bullet else line)
    return "\n".join(lines)


def _synonym_at(pieces: list[str], i: int) -> tuple[str, int] | None:
    """The canonical word for the longest synonym starting at pieces[i]."""
    first = pieces[i]
    if first not in _FIRST_CASE and (not first[0].isalnum()
                                     or _stem(first.casefold()) not in _FIRST_STEM):
        return None  # most words start no synonym: skip the windows
    for size in range(min(_LONGEST, len(pieces) - i), 0, -1):
        window = pieces[i:i + size]
        if any(not p[0].isalnum() for p in window):
            continue
        canonical = _BY_CASE.get(tuple(window))
        if canonical and size == 1 and i and (
                pieces[i - 1][0].isdigit() or pieces[i - 1].casefold() == "vitamin"):
            canonical = None  # "300 Mg" is a unit, "vitamin K" a vitamin
        canonical = canonical or _BY_STEM.get(
            tuple(_stem(p.casefold()) for p in window))
        if canonical:
            return canonical, size
    return None


def _sequence(text: str) -> tuple[list[str], list[str], set[str], dict[str, int]]:
    """Terms in order with clause breaks and stop words kept as markers
    ("|", "~word"), the mappings used, the numbers, and for each stem the
    fewest words of a name it was part of (1: a word of its own)."""
    pieces = _PIECE.findall(unicodedata.normalize("NFKC", _unquoted(text))
                            .replace("’", "'"))
    seq: list[str] = []
    mapped: list[str] = []
    numbers: set[str] = set()
    units: dict[str, int] = {}
    i = 0
    while i < len(pieces):
        piece, low = pieces[i], pieces[i].casefold()
        if not piece[0].isalnum():
            seq.append(_BREAK)
            i += 1
            continue
        found = None if _negation_at(pieces, i) else _synonym_at(pieces, i)
        if found:
            canonical, size = found
            surface = " ".join(pieces[i:i + size])
            if tuple(_stem(p.casefold()) for p in pieces[i:i + size]) != tuple(
                    _stem(w) for w in canonical.split()):
                mapped.append(f"{surface} → {canonical}")
            words = [_canonical_word(w) if _canonical_word(w) not in STOP_WORDS
                     else f"~{w}" for w in canonical.split()]
            # A name of several words counts once ("ET", "essential tremor");
            # one naming a substance says something of it and keeps its words.
            size_of = 1 if ENTITIES & set(words) else len(words)
            for word in words:
                units[word] = min(units.get(word, size_of), size_of)
            seq.extend(words)
            i += size
            continue
        if _negation_at(pieces, i) or low in STOP_WORDS:
            seq.append(f"~{low}")
        else:
            if low[0].isdigit() or low in NUMBER_WORDS:
                numbers.add(low.replace(",", ""))
            seq.append(_stem(low))
            units[seq[-1]] = 1
        i += 1
    return seq, mapped, numbers, units


def _negation_at(pieces: list[str], i: int) -> bool:
    token = pieces[i].casefold()
    return token in NEGATIONS or (token == "t" and i > 0 and bool(
        _CONTRACTED.match(pieces[i - 1].casefold())))


def claim_terms(text: str) -> Terms:
    """Canonical stems of the content words of `text` (numbers kept, synonyms
    mapped), their neighbouring pairs, its numbers, the stems a negation
    governs, and the parts of its sentence structure matching compares."""
    seq, mapped, numbers, units = _sequence(text)
    stems = tuple(t for t in seq if t != _BREAK and not t.startswith("~"))
    words = frozenset(w for w in _TOKEN.findall(normalise(_unquoted(text)))
                      if w not in STOP_WORDS)
    phrases = frozenset(f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False))
    return Terms(stems, phrases, frozenset(numbers), _negated(seq), words,
                 mapped=tuple(dict.fromkeys(mapped)), agents=_agents(seq),
                 slots=_slots(seq), clauses=_clauses(seq), causes=_causes(seq),
                 has_negation=any(t[1:] in NEGATIONS or t == "~t" for t in seq),
                 units=tuple((t, n) for t, n in units.items()
                             if n > 1 and t in stems),
                 sources=_sources(_unquoted(text)))


_NAME = r"[A-Z][\w'&-]*(?:[ \t\n]+(?:of|the|and|&|[A-Z][\w'&-]*))*"
# A journal a text names: "published in the journal Neurology", "a study in
# Movement Disorders", "the Journal of the Neurological Sciences".
_SOURCE = re.compile(
    r"(?i:\b(?:published|appeared|reported)\s+in\s+(?:the\s+)?(?:journal\s+)?"
    r"|\bjournal\s+)(" + _NAME + ")"
    r"|(?i:\b(?:study|trial|paper|article|review)\s+in\s+(?:the\s+)?)"
    r"(" + _NAME + ")"
    r"|\b(Journal\s+of\s+" + _NAME + ")")
_NAME_FILLER = frozenset({"of", "the", "and", "&"})


def _sources(text: str) -> tuple[str, ...]:
    """The journals `text` names, as written."""
    found = []
    for m in _SOURCE.finditer(text):
        words = (m.group(1) or m.group(2) or m.group(3)).split()
        while words and words[-1] in _NAME_FILLER:
            words.pop()
        capitals = [w for w in words if w not in _NAME_FILLER]
        # "a study in ET patients", "a trial in Fibromyalgia": not journals.
        if len(capitals) > 1 or capitals and not m.group(2):
            found.append(" ".join(words))
    return tuple(dict.fromkeys(found))


def _source_key(name: str) -> frozenset[str]:
    return frozenset(_stem(w.casefold()) for w in name.split()
                     if w not in _NAME_FILLER and w.casefold() != "journal")


def _negated(seq: list[str]) -> frozenset[str]:
    """Stems every occurrence of which a negation governs."""
    hit: Counter = Counter()
    seen: Counter = Counter()
    reach = 0
    for term in seq:
        word = term[1:] if term.startswith("~") else ""
        if word in NEGATIONS or word == "t":
            reach = NEGATION_REACH
        elif term == _BREAK or word in _NEGATION_STOPS:
            reach = 0
        elif word in _REPORTING and reach:
            reach = 8  # "did not find that ...": the whole clause
        elif not word:
            seen[term] += 1
            if reach:
                hit[term] += 1
                reach -= 1
    return frozenset(t for t, n in hit.items() if n == seen[t])


def _agents(seq: list[str]) -> tuple[tuple[str, str], ...]:
    """Each substance named, in order, with the state it is in: "deficit"
    (low, deficient, lower levels of), "surplus" (excess, higher), "ratio"
    (one side of a ratio) or ""."""
    terms = [t for t in seq if t[0] != "~"]  # breaks kept, stop words not
    found = []
    for k, term in enumerate(terms):
        if term not in ENTITIES and not _VITAMIN.match(term):
            continue
        before = [t for t in terms[max(0, k - 4):k] if t != _BREAK][-3:]
        # "magnesium and calcium deficiency", "Mg levels": look past both.
        after = [t for t in terms[k + 1:k + 4]
                 if t not in _LEVEL and t not in ENTITIES]
        state = "ratio" if _RATIO & {*before, *after} else (
            _state(before) or _state(after[:1]))
        found.append((term, state))
    return tuple(found)


def _state(terms: list[str]) -> str:
    if any(t in _DEFICIT for t in terms):
        return "deficit"
    return "surplus" if any(t in _SURPLUS for t in terms) else ""


def _slots(seq: list[str]) -> tuple[tuple[str, frozenset[str]], ...]:
    """Prepositional complements: ("common", {general, usa, population}) for
    "common in the general US population"; the population or setting."""
    slots = []
    for i in range(1, len(seq) - 1):
        anchor, prep = seq[i - 1], seq[i][1:]
        if prep not in PREPOSITIONS or anchor == _BREAK or anchor[0] == "~":
            continue
        phrase: list[str] = []
        for term in seq[i + 1:i + 8]:
            if term == _BREAK or (term[0] == "~" and term[1:] not in _DETERMINERS):
                break
            if term[0] != "~":
                phrase.append(term)
            if len(phrase) == 4:
                break
        if phrase:
            slots.append((anchor, frozenset(phrase)))
    return tuple(slots)


def _clauses(seq: list[str]) -> tuple[frozenset[str], ...]:
    """The content of each clause: split at punctuation and clause words.
    A condition ("if you suffer ...", "when you take ...") sets the scene for
    a claim rather than making it, and is left out while another clause is
    there."""
    parts: list[set[str]] = [set()]
    conditions: list[bool] = [False]
    previous = ""
    for term in seq:
        continued = term == "~to" and previous[1:] in _CONTINUED_BY_TO
        if term == _BREAK or (term[1:] in _CLAUSE_WORDS | _CONDITIONS
                              and not continued):
            parts.append(set())
            conditions.append(term[1:] in _CONDITIONS)
        elif term[0] != "~":
            parts[-1].add(term)
        previous = term
    claims = [p for p, c in zip(parts, conditions, strict=True) if p and not c]
    return tuple(frozenset(p) for p in claims or parts if p)


_CONDITIONS = frozenset({"if", "when", "unless"})
_FORWARD = frozenset({"caus", "lead", "result", "induc"})
_BACKWARD = frozenset({"due"})
# Words that relate or grade a claim's content rather than make it: a sentence
# sharing only these with the claim, besides the agent, says something else.
GENERIC = _FORWARD | _BACKWARD | _DEFICIT | _SURPLUS | _LEVEL | _RATIO | frozenset(
    {"effect", "role", "play", "associ", "link", "relat", "involv", "affect"})


def _causes(seq: list[str]) -> tuple[frozenset[str], frozenset[str]] | None:
    """(cause, effect) terms around the first causal verb, if any."""
    terms = [t for t in seq if t != _BREAK and t[0] != "~"]
    for k, term in enumerate(terms):
        if term in _FORWARD or term in _BACKWARD:
            before, after = frozenset(terms[:k]), frozenset(terms[k + 1:])
            return (before, after) if term in _FORWARD else (after, before)
    return None
