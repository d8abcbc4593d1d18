"""Scores: how far a sentence makes a claim, and which sentence makes it best.

The score is asymmetric (how much of the claim the sentence carries; extra
content costs nothing unless it replaces the claim's) and explained in words
a moderator can check: shared words and phrases weighted by rarity, the
claim's best-covered core clause, then penalties for the near misses shared
words cannot see (the claim's own content missing, a negation on one side
only, other numbers, roles swapped, opposite words, another agent or state,
another population, cause and effect reversed, another journal).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from forum.claim_match.splitting import sentences
from forum.claim_match.synonyms import _VITAMIN, ENTITIES, OPPOSITES
from forum.claim_match.terms import GENERIC, Terms, _source_key, claim_terms

DEFAULT_THRESHOLD = 0.45
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


def _uniform(term: str) -> float:
    return 1.0


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
    best, words = 0.0, set[str]()
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
        assert best is not None, "two sentences here, so singles is not empty"
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
