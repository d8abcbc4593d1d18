"""Same-claim matching: does a sentence make the claim a moderator labelled?

Pure text in, scores out (no Flask, no database).  The search backend finds
posts that share a labelled claim's words; this module decides, sentence by
sentence, whether one of them makes the same claim, and says why in words a
moderator can check:

- terms: casefolded NFKC words, stop words dropped, Porter-stemmed (the same
  stemmer as Whoosh's analyser), numbers kept whole ("2.5", "300");
- phrases: pairs of neighbouring terms, so word order counts ("calcium
  channel" is not "channel calcium");
- weights: rare words weigh more (an IDF table from texts passed in), so a
  differing subject ("ET" for "US population") costs more than "very";
- penalties for the near misses shared words cannot see: a negation on one
  side only, different numbers, opposite direction words (lower / higher);
- the claim's own content: a sentence that shares the agent (magnesium) and a
  generic word ("lead", "levels", "effect") but not what the claim says of it
  ("sleep deprivation", "excitability", "worst to assimilate") is marked down;
- names: a name of several words ("ET" for essential tremor) weighs as one
  word; a journal named on both sides must be the same journal;
- conditions ("if you suffer ...", "when you take ...") set the scene and are
  not the claim's core; two neighbouring sentences are read together only if
  together they carry more of the claim's own content than either alone.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from whoosh.lang.porter import stem

DEFAULT_THRESHOLD = 0.45
# A negation governs the next few content words; only there does it flip a claim.
NEGATION_REACH = 2
_SHARE_OF_PHRASES = 0.2
_SHARE_OF_CORE = 0.5
MIN_COVERAGE = 0.3
# A clause counts as the claim's core only if it carries this share of its weight.
CORE_SHARE = 0.3
AGENT_COST = 0.3
# The share of the claim's own content (its words other than agents and generic
# relation words, IDF-weighted) a sentence must carry before it is marked down;
# with none of it the score keeps CONTENT_FLOOR of itself.
MIN_CONTENT = 0.5
CONTENT_FLOOR = 0.4

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
_TOKEN = re.compile(r"\b[^\W\d_]\d{1,2}\b|\d+(?:[.,]\d+)*|[^\W\d_]+")
_QUOTE_PREFIX = re.compile(r"^[ \t]*(?:(?:[A-Za-z]{1,3}[ \t]?)?[>|:][ \t]?)+")
_BULLET = re.compile(r"^[ \t]*(?:[-*•·–—]|\d{1,2}[.)])[ \t]+")
_ABBREVIATIONS = frozenset("""
al dr mr mrs ms prof st vs etc eg ie e.g i.e fig no nos vol approx ca cf jr sr
inc ltd co dept univ jan feb mar apr jun jul aug sep sept oct nov dec u.s
""".split())


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence of a text: its characters are text[start:end]."""

    start: int
    end: int
    text: str


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


@dataclass(frozen=True)
class Match:
    """How well a sentence (or two) makes a claim, and why."""

    score: float
    start: int
    end: int
    text: str
    shared_terms: tuple[str, ...] = ()
    shared_phrases: tuple[str, ...] = ()
    claim_only: tuple[str, ...] = ()
    sentence_only: tuple[str, ...] = ()
    penalties: tuple[str, ...] = ()
    coverage: float = 0.0
    details: dict = field(default_factory=dict, compare=False)
    mappings: tuple[str, ...] = ()  # synonyms and abbreviations relied on

    @property
    def explanation(self) -> str:
        """The score in words: what was shared, what differed, what was taken off."""
        parts = [f"score {self.score:.2f}",
                 f"shared words ({self.coverage:.0%} of the claim's weight): "
                 + (", ".join(self.shared_terms) or "none")]
        if self.shared_phrases:
            parts.append("shared phrases: "
                         + ", ".join(f'"{p}"' for p in self.shared_phrases))
        if self.claim_only:
            parts.append("only in the claim: " + ", ".join(self.claim_only))
        if self.sentence_only:
            parts.append("only in the sentence: " + ", ".join(self.sentence_only))
        if self.mappings:
            parts.append("read as the same: " + ", ".join(self.mappings))
        parts.append("penalties: " + ("; ".join(self.penalties) or "none"))
        return "; ".join(parts)


class TermWeights:
    """Inverse sentence frequency of each stem in a body of text.

    A word found in many sentences (magnesium, in a magnesium forum) says little
    about which claim a sentence makes; a rare one (tremor, US) says a lot.
    Stems never seen weigh as much as the rarest seen.
    """

    def __init__(self, frequency: Counter, sentences: int) -> None:
        self.frequency, self.sentences = frequency, sentences
        self.unseen = self._idf(0)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> TermWeights:
        """Count, for each stem, the sentences of `texts` that hold it."""
        frequency: Counter = Counter()
        count = 0
        for text in texts:
            for span in sentences(text):
                frequency.update(set(claim_terms(span.text).stems))
                count += 1
        return cls(frequency, count)

    def _idf(self, df: int) -> float:
        return math.log((self.sentences + 1) / (df + 1)) + 1.0

    def __call__(self, term: str) -> float:
        df = self.frequency.get(term, 0)
        return self._idf(df) if df else self.unseen


def _uniform(term: str) -> float:
    return 1.0


# ---------------------------------------------------------------- sentences

def sentences(text: str) -> list[Span]:
    """The sentences of a post body, with offsets into `text`.

    Quote markers ("> ", "|>", "B >") and bullets are not part of a sentence;
    hard-wrapped lines are joined; a blank line, a bullet or a short line
    followed by a capital (a heading) ends a sentence.
    """
    chars, where = _unwrapped(text)
    flat = "".join(chars)
    spans = []
    for start, end in _sentence_bounds(flat):
        while start < end and flat[start].isspace():
            start += 1
        while end > start and flat[end - 1].isspace():
            end -= 1
        if start < end and any(c.isalnum() for c in flat[start:end]):
            a, b = where[start], where[end - 1] + 1
            spans.append(Span(a, b, text[a:b]))
    return spans


def _unwrapped(text: str) -> tuple[list[str], list[int]]:
    """The text with quote markers and bullets removed and lines joined; a
    NUL marks a hard break.  `where[i]` is the offset in `text` of char i."""
    chars: list[str] = []
    where: list[int] = []
    lines = text.split("\n")
    offset = 0
    previous = ""
    for index, line in enumerate(lines):
        prefix = _QUOTE_PREFIX.match(line)
        skip = prefix.end() if prefix else 0
        bullet = _BULLET.match(line, skip) if skip < len(line) else None
        body = line[bullet.end() if bullet else skip:]
        if _breaks(previous, body, bool(bullet), index > 0):
            chars.append("\0")
            where.append(offset - 1 if offset else 0)
        elif chars:
            chars.append(" ")
            where.append(offset - 1)
        start = offset + len(line) - len(body)
        for i, c in enumerate(body):
            chars.append(c)
            where.append(start + i)
        previous = body
        offset += len(line) + 1
    return chars, where


def _breaks(previous: str, body: str, bullet: bool, after_first: bool) -> bool:
    if not after_first:
        return False
    if not previous.strip() or not body.strip() or bullet:
        return True
    heading = len(previous.strip()) < 45 and not previous.rstrip().endswith(
        (",", ";", "-", "(")) and body.lstrip()[:1].isupper()
    return heading


_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s|$)|\0")


def _sentence_bounds(flat: str) -> Iterable[tuple[int, int]]:
    start = 0
    for m in _END.finditer(flat):
        end = m.end()
        if m.group() != "\0" and not _ends_sentence(flat, m.start(), end):
            continue
        yield start, (m.start() if m.group() == "\0" else end)
        start = end
    yield start, len(flat)


def _ends_sentence(flat: str, dot: int, end: int) -> bool:
    if flat[dot] != ".":
        return True
    # Only the word before the dot (a search over all of flat[:dot] was
    # quadratic in the post's length).
    word = re.search(r"([\w.]+)$", flat[max(0, dot - 40):dot])
    before = word.group(1).casefold() if word else ""
    if before in _ABBREVIATIONS or len(before) == 1 and before.isalpha():
        return False
    following = flat[end:].lstrip()
    # "et al. 2012", "e.g. magnesium": a lower-case or digit start continues.
    return not following or not (following[0].islower() or following[0] == "(")


# ---------------------------------------------------------------- synonyms

# Words a reader takes as one: each surface form maps to its canonical word
# before scoring, and a Match names the mappings it used.  Surfaces with a
# capital letter (Mg, ET, US) match only as written, so "et al", "us" and
# "mg" (the unit) keep their own meaning; lower-case ones match any inflection.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "magnesium": ("Mg",),
    "calcium": ("Ca",),
    "potassium": ("K",),
    "sodium": ("Na",),
    "acetylcholine": ("ACh", "acetylcholine"),
    "atp": ("ATP", "adenosine triphosphate"),
    "fibromyalgia": ("fibro", "FM", "FMS", "FS", "fibromyalgic",
                     "fibromyalgia syndrome"),
    "cfs": ("CFS", "chronic fatigue syndrome"),
    "essential tremor": ("ET",),
    "rda": ("RDA", "recommended dietary allowance", "recommended daily allowance"),
    "usa": ("US", "U.S.", "USA", "United States", "America", "American"),
    "msg": ("MSG", "monosodium glutamate"),
    "calcium channel blocker": ("calcium antagonist", "calcium blocker"),
    "enzyme": ("enzymatic",),
    "common": ("widespread", "prevalent"),
    # Not "essential": a word of "essential tremor".
    "vital": ("important", "crucial", "critical", "required", "necessary",
              "needed"),
    "deficient": ("deficiency", "low", "depleted", "depletion", "insufficient"),
    "lower": ("reduce", "reduction", "decrease", "diminish", "lessen"),
    "higher": ("increase", "raise", "elevated", "enhanced"),
    "inhibit": ("inhibitor", "inhibition", "block", "blocker"),
    "study": ("trial",),
    # "over 300" is "more than 300", "at least 300", "upwards of 300".
    "over": ("more than", "at least", "upwards of", "in excess of"),
    "nerve": ("neuronal", "neuron", "neural"),
    "excitability": ("hyperexcitability", "hyperexcitable", "hyper-excitable",
                     "overexcitement", "overexcited", "overstimulated",
                     "overstimulation", "irritability"),
    "magnesium deficient": ("hypomagnesemia", "hypomagnesaemia"),
    "calcium deficient": ("hypocalcemia", "hypocalcaemia"),
    "potassium deficient": ("hypokalemia", "hypokalaemia"),
}
# Substances and agents: the subject a claim is about must be the candidate's.
ENTITIES = frozenset("""
magnesium calcium potassium sodium zinc iron manganes lithium phosphoru
acetylcholine atp msg glutam oxal citrat oxid vitamin
""".split())
_VITAMIN = re.compile(r"^[a-z]\d{1,2}$")  # b6, b12, d3
# What state of the agent a claim is about: "low magnesium" is not "magnesium".
_DEFICIT = frozenset({"deficient", "lower"})
_SURPLUS = frozenset({"excess", "higher"})
_LEVEL = frozenset({"level", "concentr", "status", "intak"})
_RATIO = frozenset({"ratio"})  # "the Ca/Mg ratio" is about neither alone
PREPOSITIONS = frozenset({"in", "among", "with", "for"})
_DETERMINERS = frozenset({"the", "a", "an", "its", "their", "this", "these",
                          "those", "all", "some", "most", "many"})
# A negation does not reach into "not clear why X", but does into "did not
# find that X": after a reporting verb it governs the whole clause.
_NEGATION_STOPS = frozenset({"why", "whether", "how", "if", "but"})
_REPORTING = frozenset({"find", "found", "show", "shown", "showed", "say",
                        "said", "think", "believe", "know"})
# Clause openers: a claim is scored both whole and by its best clause.
_CLAUSE_WORDS = frozenset({"to", "including", "so", "which", "that", "thereby",
                           "because", "but", "while", "when"})
# "shown to cause", "able to inhibit": there "to" continues the clause, so the
# cause before it ("sleep deprivation has been shown to") stays in the core.
_CONTINUED_BY_TO = frozenset({"shown", "found", "known", "said", "able", "seem",
                              "seems", "appear", "appears", "likely", "thought",
                              "believed", "reported", "happen", "happens"})
OPPOSITES = (
    ("lower", "higher"), ("less", "more"), ("fewer", "more"), ("wors", "better"),
    ("worst", "best"), ("common", "rare"), ("common", "uncommon"),
    ("excess", "deficient"), ("effect", "ineffect"), ("poor", "good"),
)


def _surface_tokens(surface: str) -> tuple[str, ...]:
    tokens = _TOKEN.findall(unicodedata.normalize("NFKC", surface))
    if any(c.isupper() for c in surface):
        return tuple(tokens)
    return tuple(stem(t.casefold()) for t in tokens)


def _synonym_tables() -> tuple[dict, dict]:
    single: dict[tuple[str, ...], str] = {}
    for canonical, surfaces in SYNONYMS.items():
        for surface in (*surfaces, canonical):
            single[_surface_tokens(surface)] = canonical
    cased = {k: v for k, v in single.items() if any(c.isupper() for c in k[0])}
    return {k: v for k, v in single.items() if k not in cased}, cased


_BY_STEM, _BY_CASE = _synonym_tables()
_LONGEST = max(len(k) for k in (*_BY_STEM, *_BY_CASE))
# The first word of every synonym, as written and as a stem.
_FIRST_CASE = frozenset(key[0] for key in _BY_CASE)
_FIRST_STEM = frozenset(key[0] for key in _BY_STEM)


def _canonical_word(word: str) -> str:
    """The term a word of a canonical name stands for ("blocker" -> inhibit)."""
    return _BY_STEM.get((stem(word),), stem(word)) if " " not in word else word


# ---------------------------------------------------------------- terms

_PIECE = re.compile(r"\b[^\W\d_]\d{1,2}\b|\d+(?:[.,]\d+)*|[^\W\d_]+|[,;:()\[\]]"
                    r"|[.!?](?=\s|$)")
_BREAK = "|"  # a clause break in the term sequence


def normalise(text: str) -> str:
    """NFKC, casefolded, typographic apostrophes made plain."""
    return unicodedata.normalize("NFKC", text).casefold().replace("’", "'")


@lru_cache(maxsize=65536)
@functools.lru_cache(maxsize=1 << 16)
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


# ---------------------------------------------------------------- similarity

def similarity(claim: str, sentence: str, weights=None) -> Match:
    """How far `sentence` makes the same claim as `claim`, in [0, 1], explained.

    `weights` maps a stem to its weight (a `TermWeights`); without it every
    word weighs the same.
    """
    return _score(claim_terms(claim), sentence, 0, len(sentence), weights or _uniform)


def _score(claim: Terms, sentence: str, start: int, end: int, weigh) -> Match:
    """Asymmetric: how much of the claim the sentence carries.  Extra content
    in the sentence costs nothing unless it replaces the claim's (another
    agent, another population, the cause and effect the other way round)."""
    other = claim_terms(sentence)
    weigh = _once_per_name(claim, weigh)
    mine, theirs = set(claim.stems), set(other.stems)
    shared = mine & theirs
    coverage = _covered(mine, theirs, weigh)
    core = _core_coverage(claim, theirs, weigh)
    phrases = claim.phrases & other.phrases
    phrase_share = (sum(_phrase_weight(p, weigh) for p in phrases)
                    / (sum(_phrase_weight(p, weigh) for p in claim.phrases) or 1.0))
    words = _SHARE_OF_CORE * core + (1 - _SHARE_OF_CORE) * coverage
    base = (1 - _SHARE_OF_PHRASES) * words + _SHARE_OF_PHRASES * phrase_share
    # A heading of three words can be all claim words and still say little of it.
    base *= min(1.0, coverage / MIN_COVERAGE)
    factor, penalties = _penalties(claim, other, shared, weigh)
    return Match(
        score=round(base * factor, 4), start=start, end=end, text=sentence,
        shared_terms=tuple(sorted(shared, key=lambda t: -weigh(t))),
        shared_phrases=tuple(sorted(phrases)),
        claim_only=tuple(sorted(mine - shared, key=lambda t: -weigh(t))),
        sentence_only=tuple(sorted(theirs - mine, key=lambda t: -weigh(t))[:8]),
        penalties=tuple(penalties), coverage=round(coverage, 4),
        details={"core": round(core, 4), "phrases": round(phrase_share, 4),
                 "factor": round(factor, 4)},
        mappings=tuple(dict.fromkeys((*claim.mapped, *other.mapped))))


def _once_per_name(claim: Terms, weigh):
    """Weights in which a name of several words counts once: "ET" (essential
    tremor) weighs as one word, not as two."""
    if not claim.units:
        return weigh
    parts = dict(claim.units)
    return lambda term: weigh(term) / parts.get(term, 1)


def _covered(terms: set[str] | frozenset[str], theirs: set[str], weigh) -> float:
    return sum(weigh(t) for t in terms & theirs) / (sum(weigh(t) for t in terms)
                                                    or 1.0)


def _core_coverage(claim: Terms, theirs: set[str], weigh) -> float:
    """Coverage of the claim's best-covered clause with its agent: a
    candidate may carry the claim without its purpose clause or examples."""
    return max((_covered(part, theirs, weigh) for part in _cores(claim, weigh)),
               default=0.0)


def _cores(claim: Terms, weigh) -> list[frozenset[str]]:
    """The parts of a claim a sentence may carry alone: each clause with the
    claim's agent that holds CORE_SHARE of its weight and some content of its
    own (a clause naming only agents, "magnesium oxide and citrate", is not
    a claim)."""
    agent = {claim.agents[0][0]} if claim.agents else set()
    total = sum(weigh(t) for t in set(claim.stems)) or 1.0
    return [clause | agent for clause in claim.clauses
            if _content(clause) and sum(weigh(t) for t in clause | agent)
            >= CORE_SHARE * total]


def _content(terms: Iterable[str]) -> set[str]:
    """What a claim says of its agents: its terms other than agents and
    generic relation words."""
    return {t for t in terms if t not in ENTITIES and t not in GENERIC
            and not _VITAMIN.match(t)}


def _content_share(claim: Terms, theirs: set[str], weigh) -> tuple[float, set]:
    """The IDF-weighted share of the claim's own content the sentence carries,
    in the whole claim or its best core clause, and that content."""
    best, words = 0.0, set()
    for part in (frozenset(claim.stems), *_cores(claim, weigh)):
        content = _content(part)
        if content:
            share = _covered(content, theirs, weigh)
            if share > best or not words:
                best, words = share, content
    return best, words


def _phrase_weight(phrase: str, weigh) -> float:
    a, b = phrase.split(" ")
    return weigh(a) + weigh(b)


def _penalties(claim: Terms, other: Terms, shared: set[str],
               weigh) -> tuple[float, list]:
    factor, notes = 1.0, []
    for check in (_content_penalty, _negation_penalty, _number_penalty,
                  _swap_penalty, _opposite_penalty, _agent_penalty, _slot_penalty,
                  _cause_penalty, _source_penalty):
        found = check(claim, other, shared, weigh)
        if found:
            note, cost = found
            factor *= cost
            notes.append(f"{note} x{cost:g}")
    return factor, notes


def _content_penalty(claim: Terms, other: Terms, shared, weigh):
    """The agent and a generic word are not the claim: "magnesium deficiency
    may lead to other problems" does not say what "magnesium depletion leads
    to increased neuronal excitability" says."""
    share, content = _content_share(claim, set(other.stems), weigh)
    if not content or share >= MIN_CONTENT:
        return None
    missing = sorted(content - set(other.stems), key=lambda t: -weigh(t))
    cost = round(CONTENT_FLOOR + (1 - CONTENT_FLOOR) * share / MIN_CONTENT, 2)
    return (f"claim's own content missing ({share:.0%} carried; missing "
            f"{', '.join(missing[:4])})", cost)


def _negation_penalty(claim: Terms, other: Terms, shared, weigh):
    mine, theirs = claim.negated & shared, other.negated & shared
    if bool(mine) == bool(theirs):
        return None
    side = "claim" if mine else "sentence"
    return (f"negation only in the {side} (on {', '.join(sorted(mine or theirs))})",
            0.25)


def _number_penalty(claim: Terms, other: Terms, shared, weigh):
    if claim.numbers and other.numbers - claim.numbers \
            and not claim.numbers <= other.numbers:
        return (f"different numbers ({', '.join(sorted(claim.numbers))} vs "
                f"{', '.join(sorted(other.numbers))})", 0.25)
    return None


def _swap_penalty(claim: Terms, other: Terms, shared, weigh):
    swapped = _swapped(claim.phrases, other.phrases, shared)
    return (f"roles swapped ({', '.join(swapped)})", 0.5) if swapped else None


def _opposite_penalty(claim: Terms, other: Terms, shared, weigh):
    flipped = [f"{a}/{b}" for a, b in _opposed(set(claim.stems) | claim.words,
                                                set(other.stems) | other.words)]
    return (f"opposite words ({', '.join(flipped)})", 0.5) if flipped else None


def _agent_penalty(claim: Terms, other: Terms, shared, weigh):
    """The claim's subject must be the sentence's, in the same state:
    "magnesium" is not "B6", nor "low magnesium"."""
    if not claim.agents:
        return None
    agent, state = claim.agents[0]
    states = {s for a, s in other.agents if a == agent}
    if not states:
        instead = [a for a, _ in other.agents if a != agent][:1]
        return (f"agent {agent} missing"
                + (f" ({instead[0]} instead)" if instead else ""), AGENT_COST)
    # More of it is still it ("excess Mg inhibits"); less of it, or a ratio, is not.
    if state in states or (state in {"", "surplus"} and states & {"", "surplus"}):
        return None
    theirs = sorted(s or "as such" for s in states)
    return (f"agent in another state ({agent}: {state or 'as such'} vs "
            f"{', '.join(theirs)})", AGENT_COST)


def _slot_penalty(claim: Terms, other: Terms, shared, weigh):
    """Same predicate, other population or setting: "common in the general US
    population" against "common in individuals with ET"."""
    for anchor, phrase in claim.slots:
        for their_anchor, their_phrase in other.slots:
            if anchor == their_anchor and not phrase & their_phrase:
                return (f"different complement of {anchor} ({' '.join(sorted(phrase))}"
                        f" vs {' '.join(sorted(their_phrase))})", 0.3)
    return None


def _cause_penalty(claim: Terms, other: Terms, shared, weigh):
    if not claim.causes or not other.causes:
        return None
    (cause, effect), (their_cause, their_effect) = claim.causes, other.causes
    kept = (cause & their_cause) | (effect & their_effect)
    to_effect = (cause & their_effect & shared) - kept
    to_cause = (effect & their_cause & shared) - kept
    # Reversed only if words cross both ways: an effect named early in the
    # sentence ("nerves become excitable, leading to ...") is not a reversal.
    flipped = sorted(to_effect | to_cause)
    if to_effect and to_cause and len(flipped) >= 2:
        return f"cause and effect reversed ({', '.join(flipped)})", 0.3
    return None


def _source_penalty(claim: Terms, other: Terms, shared, weigh):
    """A finding published in one journal is not one published in another:
    each citation gets its own verdict."""
    if not claim.sources or not other.sources:
        return None
    mine = [_source_key(name) for name in claim.sources]
    if any(a & _source_key(b) for a in mine for b in other.sources):
        return None
    return (f"another named source ({claim.sources[0]} vs {other.sources[0]})",
            0.3)


def _swapped(mine: frozenset[str], theirs: frozenset[str],
             shared: set[str]) -> list[str]:
    """Shared words that trade places: "calcium channel ... excess calcium"
    against "magnesium channel ... excess magnesium" when both texts name
    both.  One changed neighbour is rewording; two or more are a swap."""
    seen: dict[tuple[str, str], int] = {}
    for phrase in mine - theirs:
        a, b = phrase.split(" ")
        for other in theirs - mine:
            c, d = other.split(" ")
            for x, y in ((a, c), (b, d)) if (b == d or a == c) else ():
                if x != y and x in shared and y in shared:
                    seen[(x, y)] = seen.get((x, y), 0) + 1
    return [f"{x} -> {y}" for (x, y), n in sorted(seen.items()) if n >= 2]


def _opposed(mine: set[str], theirs: set[str]) -> list[tuple[str, str]]:
    found = []
    for a, b in OPPOSITES:
        for x, y in ((a, b), (b, a)):
            if x in mine and y in theirs and y not in mine and x not in theirs:
                found.append((x, y))
    return found


# ---------------------------------------------------------------- best match

def best_match(claim: str, text: str, threshold: float = DEFAULT_THRESHOLD,
               weights=None) -> Match | None:
    """The sentence of `text` (or two neighbouring sentences, since a claim can
    run over a sentence break) that best makes `claim`, if it reaches
    `threshold`; its start and end are offsets into `text`."""
    weigh = weights or _uniform
    terms = claim_terms(claim)
    spans = sentences(text)
    singles = [_score(terms, s.text, s.start, s.end, weigh) for s in spans]
    best = max(singles, key=lambda m: m.score, default=None)
    content = _content(terms.stems)
    for i, (span, nxt) in enumerate(zip(spans, spans[1:], strict=False)):
        pair = _score(terms, text[span.start:nxt.end], span.start, nxt.end, weigh)
        # Two sentences always share more words; they win only clearly, and
        # only if together they carry more of the claim's own content than
        # either does alone (not the agent from one, a topic word from the other).
        carried = content & set(pair.shared_terms)
        if pair.score > max(singles[i].score, singles[i + 1].score) + 0.05 \
                and pair.score > best.score \
                and all(carried > content & set(single.shared_terms)
                        for single in singles[i:i + 2]):
            best = pair
    if best is None or best.score < threshold:
        return None
    return best
