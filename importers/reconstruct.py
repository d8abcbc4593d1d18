"""Rebuild a reply tree from what the posts say, for sources without References.

Google Groups pages, forums and hypermail show posts in order but rarely say
which post answers which.  People did say it in the text: an attribution line
("Mark wrote", "In article <id> ... writes:") and the lines they quoted.  For
each post without parent ids of its own, `infer_parents` picks the earlier post
those signals point to and records it as `in_reply_to`, with a confidence and a
sentence of evidence, so the archive's usual threading does the rest.

Quoted text is compared one level down: what a reply quotes once (`>`) is
matched against each earlier post's own new text, what it quotes twice (`>>`)
against their once-quoted text.  That is what ties a reply to its parent rather
than to the grandparent whose words both of them repeat.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from importers.attribution import (
    Attribution,
    attribution_keys,
    date_fit,
    identity_keys,
    identity_score,
    names_real_id,
)
from importers.base import IncomingMessage
from importers.reply_text import MAX_DEPTH, QuoteMatches, ReplyText, read_reply

logger = logging.getLogger(__name__)

FALLBACK_CONFIDENCE = 0.2
# Shingles repeated in more earlier posts than this (stock phrases, a much
# quoted paragraph) are too common to point anywhere, and slow to follow.
_COMMON = 40


@dataclass(frozen=True, slots=True)
class ParentGuess:
    """An inferred parent: its index in the posts, how sure, and why.

    `signal` names what decided it: "message-id", "attribution+quotes",
    "quotes", "attribution", "ancestor" or "fallback".
    """

    parent: int
    confidence: float
    evidence: str
    signal: str


def infer_parents(posts: list[IncomingMessage]) -> None:
    """Set in_reply_to, parent_confidence and parent_evidence on one thread.

    `posts` are the thread in source (chronological) order, each with a
    message_id.  Posts that declare parents keep them; the others get the best
    earlier post, or the thread's first post with a low confidence.
    """
    guesses = guess_parents(posts)
    apply_guesses(posts, guesses)
    fallbacks = sum(1 for guess in guesses if guess and guess.signal == "fallback")
    logger.debug(
        "thread of %d posts: %d parents inferred, %d of them fallbacks",
        len(posts), sum(guess is not None for guess in guesses), fallbacks,
    )


def apply_guesses(
    posts: Sequence[IncomingMessage], guesses: Sequence[ParentGuess | None]
) -> None:
    """Record guesses on the posts as in_reply_to plus confidence and evidence."""
    for post, guess in zip(posts, guesses, strict=True):
        if guess is None:
            continue
        post.in_reply_to = posts[guess.parent].message_id
        post.parent_confidence = round(guess.confidence, 2)
        post.parent_evidence = guess.evidence


def guess_parents(
    posts: Sequence[IncomingMessage],
    topics: Sequence[str] | None = None,
    fallback: bool = True,
) -> list[ParentGuess | None]:
    """A parent guess (or None) for each post, without changing the posts.

    Only earlier posts are candidates, so no post answers a later one.  Used
    on one thread, `fallback` attaches unexplained posts to the first post.
    Used on a larger pool (a whole group), pass `fallback=False` and, if known,
    `topics` (e.g. normalised subjects): a shared topic favours a candidate.
    """
    pool = _Pool(posts, topics)
    guesses: list[ParentGuess | None] = []
    for index, post in enumerate(posts):
        guess = None
        if index and not post.parent_ids:
            guess = pool.guess(index)
            if guess is None and fallback:
                guess = pool.fallback(index)
        guesses.append(guess)
        pool.add(index, guess)
    return guesses


class _Pool:
    """Earlier posts, indexed by shingle per depth, author identity and id."""

    def __init__(self, posts: Sequence[IncomingMessage], topics) -> None:
        self.posts = posts
        self.topics = topics
        self.texts: list[ReplyText] = [read_reply(post.body_text) for post in posts]
        self.keys = [[set(level.keys) for level in text.levels] for text in self.texts]
        # Only what some post quotes one or two levels deeper is ever looked up.
        self.wanted = [
            set().union(*(keys[depth + 1] | keys[depth + 2] for keys in self.keys))
            for depth in range(MAX_DEPTH - 1)
        ]
        self.shingles: list[dict[int, list[int]]] = [
            defaultdict(list) for _ in range(MAX_DEPTH - 1)]
        self.authors: dict[str, list[int]] = defaultdict(list)
        self.ids: dict[str, int] = {}
        self.folded_ids: dict[str, int] = {}
        self.real_ids: dict[str, int] = {}  # not synthetic: masked ids may match
        self.parents = _declared_parents(posts)

    def add(self, index: int, guess: ParentGuess | None) -> None:
        """Make a post a candidate for the posts after it."""
        post = self.posts[index]
        if guess is not None:
            self.parents[index] = guess.parent
        if not post.message_id:
            return
        self.ids.setdefault(post.message_id, index)
        self.folded_ids.setdefault(post.message_id.lower(), index)
        if not post.synthetic_id:
            self.real_ids.setdefault(post.message_id, index)
        for depth, wanted in enumerate(self.wanted):
            for key in self.keys[index][depth] & wanted:
                self.shingles[depth][key].append(index)
        for author_key in identity_keys(post.author_name, post.author_email):
            self.authors[author_key].append(index)

    def fallback(self, index: int) -> ParentGuess | None:
        """The thread's first post, with a low confidence, when nothing matched."""
        if not self.posts[0].message_id or self._loops(index, 0):
            return None
        return ParentGuess(
            0, FALLBACK_CONFIDENCE,
            "no attribution or quoted text matched an earlier post; "
            "attached to the thread's first post",
            "fallback",
        )

    def guess(self, index: int) -> ParentGuess | None:
        """The best earlier parent for one post, or None when nothing points."""
        own = [a for a in self.texts[index].attributions if a.depth == 0]
        named = self._named(index, own)
        if named is not None:
            return named
        if names_real_id(own):  # and that post is not here
            return self._ancestor(index)
        quotes, identities = self._quotes(index, 1), self._identities(own)
        choice = self._choose(index, quotes, identities)
        guess = None
        if choice is not None:
            guess = self._judge(index, choice, quotes, identities)
        if guess is None or guess.confidence < 0.5:
            ancestor = self._ancestor(index)
            if ancestor and (guess is None or ancestor.confidence > guess.confidence):
                return ancestor
        return guess

    def _quotes(self, index: int, offset: int) -> QuoteMatches:
        """My text quoted d deep against earlier posts' text quoted d - offset."""
        quotes = QuoteMatches()
        for depth in range(offset, MAX_DEPTH):
            target = self.shingles[depth - offset]
            keys = self.keys[index][depth]
            if depth == offset:
                quotes.total = len(keys)
            for key in keys:
                holders = target.get(key)
                if not holders or len(holders) > _COMMON:
                    continue
                for holder in holders:
                    quotes.score[holder] += 1.0 / len(holders)
                    if depth == offset:
                        quotes.hits[holder] += 1
        return quotes

    def _named(self, index: int, own: list[Attribution]) -> ParentGuess | None:
        """A parent named by Message-ID in an attribution ("In article <id>")."""
        for attribution in own:
            for ref in attribution.ids:
                found = self._earlier(index, ref)
                if found is None:
                    continue
                lines = self._quoted_lines(index, found)
                evidence = f"attribution names its Message-ID <{ref}>"
                if lines:
                    evidence = f"{self._quoting(found, lines)}; {evidence}"
                confidence = 0.99 if lines else 0.97
                return ParentGuess(found, confidence, evidence, "message-id")
        return None

    def _earlier(self, index: int, ref: str) -> int | None:
        """The earlier post with Message-ID `ref`, if it may be index's parent."""
        found = self._find_id(ref)
        if found is None or found >= index or self._loops(index, found):
            return None
        return found

    def _find_id(self, ref: str) -> int | None:
        """An earlier post by Message-ID, also as quoted in another case or masked.

        Google Groups masks ids as it masks addresses (`10OCT00....@psfc.mit.edu`):
        such an id can only match a real (not synthetic) one.
        """
        if ref in self.ids:
            return self.ids[ref]
        if ref.lower() in self.folded_ids:  # <15378@optilink.COM> quoted in lower case
            return self.folded_ids[ref.lower()]
        head, dots, tail = ref.partition("...")
        tail = tail.lstrip(".")
        for mid, index in self.real_ids.items() if dots else ():
            if mid.startswith(head) and mid.endswith(tail) and len(mid) > len(ref) - 3:
                return index
        return None

    def _identities(self, own: list[Attribution]) -> dict[int, tuple[float, str]]:
        """Earlier posts whose author fits an attribution: (score, its text)."""
        found: dict[int, tuple[float, str]] = {}
        for attribution in own:
            if names_real_id([attribution]):
                continue
            candidates = {
                index for key in attribution_keys(attribution)
                for index in self.authors.get(key, ())
            }
            for index in candidates:
                post = self.posts[index]
                score = identity_score(attribution, post.author_name, post.author_email)
                score += date_fit(attribution, post.date)
                if score >= 0.5 and score > found.get(index, (0.0, ""))[0]:
                    found[index] = (min(score, 1.0), attribution.text)
        return found

    def _choose(self, index: int, quotes: QuoteMatches, identities) -> int | None:
        """The candidate with the most evidence, ties broken by `_untie`."""

        def rank(candidate: int) -> float:
            identity = identities.get(candidate, (0.0, ""))[0]
            topic = 0.3 if self._same_topic(index, candidate) else 0.0
            return quotes.weighted(candidate) + identity + topic

        scores = {c: rank(c) for c in {*quotes.hits, *identities}}
        allowed = [c for c in scores if not self._loops(index, c)]
        if not allowed:
            return None
        best = max(scores[c] for c in allowed)
        return self._untie([c for c in allowed if scores[c] == best], quotes)

    def _untie(self, tied: list[int], quotes: QuoteMatches) -> int:
        """Among equally good candidates, the one most likely answered.

        Quoted words belong to the earliest post that has them (later ones
        repeat them), but of that author's copies the latest (a resend) is the
        one answered; without quotes, the author's latest post is.
        """
        if not any(c in quotes.hits for c in tied):
            return max(tied)
        original = self._author(min(tied))
        return max(c for c in tied if self._author(c) == original)

    def _author(self, candidate: int) -> str:
        post = self.posts[candidate]
        return (post.author_email or post.author_name).lower()

    def _judge(self, index, choice, quotes, identities) -> ParentGuess:
        """Confidence and evidence for the chosen parent."""
        identity, said = identities.get(choice, (0.0, ""))
        lines = self._quoted_lines(index, choice)
        parts = [self._quoting(choice, lines)] if lines else []
        if said:
            parts.append(f'attribution "{_short(said)}"')
        cover, hits = quotes.coverage(choice), min(1.0, quotes.hits.get(choice, 0) / 4)
        margin = quotes.margin(choice)
        if identity and hits:
            confidence = 0.25 + 0.73 * cover * (0.6 + 0.4 * hits) * (0.5 + 0.5 * margin)
            signal = "attribution+quotes"
        elif hits:
            confidence = 0.3 + 0.65 * cover * hits * (0.4 + 0.6 * margin)
            signal = "quotes"
        else:
            # A named author whose post is not what the reply quotes: likely
            # another post of theirs, the one answered being missing.
            confidence = 0.35 + 0.3 * identity if not quotes.total else 0.25
            rivals = [c for c, (s, _) in identities.items() if s >= identity]
            confidence -= 0.15 * (len(rivals) > 1)
            signal = "attribution"
        if self.topics is not None and not self._same_topic(index, choice):
            confidence *= 0.5
        return ParentGuess(choice, confidence, "; ".join(parts), signal)

    def _ancestor(self, index: int) -> ParentGuess | None:
        """When the parent is missing: the post it quoted, found a level deeper."""
        quoted = self._quoted_ids(index)
        if quoted is not None:
            return quoted
        quotes = self._quotes(index, 2)
        candidates = sorted(quotes.hits, key=lambda c: (quotes.score[c], c))
        for candidate in reversed(candidates):
            if self._loops(index, candidate):
                continue
            strength = quotes.coverage(candidate) * quotes.margin(candidate)
            lines = self._quoted_lines(index, candidate, depth=2)
            evidence = (
                f"{self._quoting(candidate, lines)} two levels deep, through a reply "
                "that is not here: attached to that nearest ancestor"
            )
            return ParentGuess(candidate, 0.25 + 0.15 * strength, evidence, "ancestor")
        return None

    def _quoted_ids(self, index: int) -> ParentGuess | None:
        """A quoted "In article <id>" line names the grandparent."""
        for attribution in self.texts[index].attributions:
            if attribution.depth != 1:
                continue
            for ref in attribution.ids:
                found = self._earlier(index, ref)
                if found is not None:
                    evidence = (
                        f"quotes a reply to <{ref}> that is not here: "
                        "attached to that nearest ancestor"
                    )
                    return ParentGuess(found, 0.45, evidence, "ancestor")
        return None

    def _quoted_lines(self, index: int, candidate: int, depth: int = 1) -> int:
        """How many of my lines quoted `depth` deep repeat the candidate's own."""
        lines: set[int] = set()
        target = self.shingles[0]
        level = self.texts[index].levels[depth]
        for key, first, last in zip(level.keys, level.firsts, level.lasts, strict=True):
            if candidate in target.get(key, ()):
                lines.update(range(first, last + 1))
        return len(lines)

    def _quoting(self, candidate: int, lines: int) -> str:
        plural = "line" if lines == 1 else "lines"
        return f"quotes {lines} {plural} of {self._who(candidate)}"

    def _who(self, candidate: int) -> str:
        post = self.posts[candidate]
        name = post.author_name or post.author_email or "an unnamed author"
        when = post.date.date().isoformat() if post.date else "unknown date"
        return f"{name}'s post of {when}"

    def _same_topic(self, index: int, candidate: int) -> bool:
        """Same topic, or one names the other ("New subject (was: Old)")."""
        if self.topics is None:
            return False
        mine, theirs = self.topics[index], self.topics[candidate]
        if mine == theirs:
            return True
        shorter, longer = sorted((mine, theirs), key=len)
        return len(shorter) >= 8 and shorter in longer

    def _loops(self, child: int, candidate: int) -> bool:
        """Whether making `candidate` the parent of `child` closes a loop.

        A copy with the child's own Message-ID counts: it would answer itself.
        """
        if self.posts[candidate].message_id == self.posts[child].message_id:
            return True
        seen: set[int] = set()
        node: int | None = candidate
        while node is not None and node not in seen:
            if node == child:
                return True
            seen.add(node)
            node = self.parents.get(node)
        return False


def _declared_parents(posts: Sequence[IncomingMessage]) -> dict[int, int]:
    """Parents the posts declare themselves, as indexes, for loop checks."""
    where: dict[str, int] = {}
    for index, post in reversed(list(enumerate(posts))):
        where[post.message_id or ""] = index
    known = {
        index: [where[ref] for ref in post.parent_ids if ref in where]
        for index, post in enumerate(posts)
    }
    return {index: refs[-1] for index, refs in known.items() if refs}


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
