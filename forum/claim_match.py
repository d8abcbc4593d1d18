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
  side only, different numbers, opposite direction words (lower / higher).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from whoosh.lang.porter import stem

DEFAULT_THRESHOLD = 0.45
# A negation governs the next few content words; only there does it flip a claim.
NEGATION_REACH = 2
_SHARE_OF_PHRASES = 0.3
MIN_COVERAGE = 0.3

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
    generally currently course regard
    """.split())
NEGATIONS = frozenset({"not", "no", "never", "none", "neither", "nor", "cannot",
                       "without", "nothing"})
# Words after which "t" is the n't of a contraction ("didn't" -> "didn", "t").
_CONTRACTED = re.compile(r"^(?:.*n|can|won|ain)$")
NUMBER_WORDS = frozenset("""
two three four five six seven eight nine ten eleven twelve twenty thirty forty
fifty sixty seventy eighty ninety hundred thousand million billion half dozen
""".split())
OPPOSITES = (
    ("lower", "higher"), ("low", "high"), ("less", "more"), ("fewer", "more"),
    ("decrease", "increase"), ("decreased", "increased"), ("reduce", "increase"),
    ("reduced", "increased"), ("worse", "better"), ("worst", "best"),
    ("common", "rare"), ("common", "uncommon"), ("excess", "deficiency"),
    ("excess", "depletion"), ("effective", "ineffective"), ("poor", "good"),
)
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")
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
    word = re.search(r"([\w.]+)$", flat[:dot])
    before = word.group(1).casefold() if word else ""
    if before in _ABBREVIATIONS or len(before) == 1 and before.isalpha():
        return False
    following = flat[end:].lstrip()
    # "et al. 2012", "e.g. magnesium": a lower-case or digit start continues.
    return not following or not (following[0].islower() or following[0] == "(")


# ---------------------------------------------------------------- terms

def normalise(text: str) -> str:
    """NFKC, casefolded, typographic apostrophes made plain."""
    return unicodedata.normalize("NFKC", text).casefold().replace("’", "'")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(normalise(_unquoted(text)))


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


def claim_terms(text: str) -> Terms:
    """Stems of the content words of `text` (numbers kept), their neighbouring
    pairs, its numbers, and the stems a negation governs."""
    stems: list[str] = []
    words: set[str] = set()
    numbers: set[str] = set()
    negated: set[str] = set()
    reach = 0
    tokens = _tokens(text)
    for i, token in enumerate(tokens):
        if _negation(tokens, i):
            reach = NEGATION_REACH
            continue
        if token in STOP_WORDS:
            continue
        if token[0].isdigit() or token in NUMBER_WORDS:
            numbers.add(token.replace(",", ""))
        term = token if token[0].isdigit() else stem(token)
        stems.append(term)
        words.add(token)
        if reach:
            negated.add(term)
            reach -= 1
    phrases = frozenset(f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False))
    return Terms(tuple(stems), phrases, frozenset(numbers), frozenset(negated),
                 frozenset(words))


def _negation(tokens: list[str], i: int) -> bool:
    token = tokens[i]
    return token in NEGATIONS or (token == "t" and i > 0
                                  and bool(_CONTRACTED.match(tokens[i - 1])))


# ---------------------------------------------------------------- similarity

def similarity(claim: str, sentence: str, weights=None) -> Match:
    """How far `sentence` makes the same claim as `claim`, in [0, 1], explained.

    `weights` maps a stem to its weight (a `TermWeights`); without it every
    word weighs the same.
    """
    return _score(claim_terms(claim), sentence, 0, len(sentence), weights or _uniform)


def _score(claim: Terms, sentence: str, start: int, end: int, weigh) -> Match:
    other = claim_terms(sentence)
    mine, theirs = set(claim.stems), set(other.stems)
    shared = mine & theirs
    total = sum(weigh(t) for t in mine) or 1.0
    coverage = sum(weigh(t) for t in shared) / total
    precision = (sum(weigh(t) for t in shared)
                 / (sum(weigh(t) for t in theirs) or 1.0))
    phrases = claim.phrases & other.phrases
    phrase_weight = sum(_phrase_weight(p, weigh) for p in phrases)
    phrase_share = phrase_weight / (min(
        sum(_phrase_weight(p, weigh) for p in claim.phrases),
        sum(_phrase_weight(p, weigh) for p in other.phrases)) or 1.0)
    # The claim and the sentence each carry words the other lacks (a purpose
    # clause, an example); the better covered side shows the shared core.
    words = 0.75 * max(coverage, precision) + 0.25 * min(coverage, precision)
    base = (1 - _SHARE_OF_PHRASES) * words + _SHARE_OF_PHRASES * phrase_share
    # A heading of three words can be all claim words and still say little of it.
    base *= min(1.0, coverage / MIN_COVERAGE)
    factor, penalties = _penalties(claim, other, shared)
    by_weight = sorted(mine - shared, key=lambda t: -weigh(t))
    return Match(
        score=round(base * factor, 4), start=start, end=end, text=sentence,
        shared_terms=tuple(sorted(shared, key=lambda t: -weigh(t))),
        shared_phrases=tuple(sorted(phrases)),
        claim_only=tuple(by_weight),
        sentence_only=tuple(sorted(theirs - mine, key=lambda t: -weigh(t))[:8]),
        penalties=tuple(penalties), coverage=round(coverage, 4),
        details={"words": round(words, 4), "phrases": round(phrase_share, 4),
                 "factor": round(factor, 4)})


def _phrase_weight(phrase: str, weigh) -> float:
    a, b = phrase.split(" ")
    return weigh(a) + weigh(b)


def _penalties(claim: Terms, other: Terms, shared: set[str]) -> tuple[float, list]:
    factor, notes = 1.0, []
    mine = claim.negated & shared
    theirs = other.negated & shared
    if bool(mine) != bool(theirs):
        side = "claim" if mine else "sentence"
        factor *= 0.25
        notes.append(f"negation only in the {side} (on "
                     f"{', '.join(sorted(mine or theirs))}) x0.25")
    if claim.numbers and other.numbers and not claim.numbers <= other.numbers \
            and other.numbers - claim.numbers:
        factor *= 0.25
        notes.append(f"different numbers ({', '.join(sorted(claim.numbers))} vs "
                     f"{', '.join(sorted(other.numbers))}) x0.25")
    swapped = _swapped(claim.phrases, other.phrases, shared)
    if swapped:
        factor *= 0.5
        notes.append(f"roles swapped ({', '.join(swapped)}) x0.5")
    flipped = [f"{a}/{b}" for a, b in _opposed(claim.words, other.words)]
    if flipped:
        factor *= 0.5
        notes.append(f"opposite words ({', '.join(flipped)}) x0.5")
    return factor, notes


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


def _opposed(mine: frozenset[str], theirs: frozenset[str]) -> list[tuple[str, str]]:
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
    best: Match | None = None
    for i, span in enumerate(spans):
        single = _score(terms, span.text, span.start, span.end, weigh)
        best = single if best is None or single.score > best.score else best
        if i + 1 < len(spans):
            nxt = spans[i + 1]
            pair = _score(terms, text[span.start:nxt.end], span.start, nxt.end, weigh)
            # Two sentences always share more words; they win only clearly.
            if pair.score > best.score + 0.05:
                best = pair
    if best is None or best.score < threshold:
        return None
    return best
