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
than to the grandparent whose words both of them repeat.  The lookups live in
`importers.reply_pool`; this module weighs what they find.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from importers.attribution import Attribution, names_real_id
from importers.base import IncomingMessage
from importers.reply_pool import ReplyPool
from importers.reply_text import QuoteMatches

logger = logging.getLogger(__name__)

FALLBACK_CONFIDENCE = 0.2


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
    pool = ReplyPool(posts, topics)
    guesser = _Guesser(pool)
    guesses: list[ParentGuess | None] = []
    for index, post in enumerate(posts):
        guess = None
        if index and not post.parent_ids:
            guess = guesser.guess(index)
            if guess is None and fallback:
                guess = guesser.fallback(index)
        guesses.append(guess)
        pool.add(index, None if guess is None else guess.parent)
    return guesses


class _Guesser:
    """Weighs what the pool finds for one post into a parent guess."""

    def __init__(self, pool: ReplyPool) -> None:
        self.pool = pool
        self.posts = pool.posts

    def fallback(self, index: int) -> ParentGuess | None:
        """The thread's first post, with a low confidence, when nothing matched."""
        if not self.posts[0].message_id or self.pool.loops(index, 0):
            return None
        return ParentGuess(
            0, FALLBACK_CONFIDENCE,
            "no attribution or quoted text matched an earlier post; "
            "attached to the thread's first post",
            "fallback",
        )

    def guess(self, index: int) -> ParentGuess | None:
        """The best earlier parent for one post, or None when nothing points."""
        own = [a for a in self.pool.texts[index].attributions if a.depth == 0]
        named = self._named(index, own)
        if named is not None:
            return named
        if names_real_id(own):  # and that post is not here
            return self._ancestor(index)
        quotes, identities = self.pool.quotes(index, 1), self.pool.identities(own)
        choice = self._choose(index, quotes, identities)
        guess = None
        if choice is not None:
            guess = self._judge(index, choice, quotes, identities)
        if guess is None or guess.confidence < 0.5:
            ancestor = self._ancestor(index)
            if ancestor and (guess is None or ancestor.confidence > guess.confidence):
                return ancestor
        return guess

    def _named(self, index: int, own: list[Attribution]) -> ParentGuess | None:
        """A parent named by Message-ID in an attribution ("In article <id>")."""
        for attribution in own:
            for ref in attribution.ids:
                found = self.pool.earlier(index, ref)
                if found is None:
                    continue
                lines = self.pool.quoted_lines(index, found)
                evidence = f"attribution names its Message-ID <{ref}>"
                if lines:
                    evidence = f"{self._quoting(found, lines)}; {evidence}"
                confidence = 0.99 if lines else 0.97
                return ParentGuess(found, confidence, evidence, "message-id")
        return None

    def _choose(self, index: int, quotes: QuoteMatches, identities) -> int | None:
        """The candidate with the most evidence, ties broken by `_untie`."""

        def rank(candidate: int) -> float:
            identity = identities.get(candidate, (0.0, ""))[0]
            topic = 0.3 if self.pool.same_topic(index, candidate) else 0.0
            return quotes.weighted(candidate) + identity + topic

        scores = {c: rank(c) for c in {*quotes.hits, *identities}}
        allowed = [c for c in scores if not self.pool.loops(index, c)]
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
        lines = self.pool.quoted_lines(index, choice)
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
        if self.pool.topics is not None and not self.pool.same_topic(index, choice):
            confidence *= 0.5
        return ParentGuess(choice, confidence, "; ".join(parts), signal)

    def _ancestor(self, index: int) -> ParentGuess | None:
        """When the parent is missing: the post it quoted, found a level deeper."""
        quoted = self._quoted_ids(index)
        if quoted is not None:
            return quoted
        quotes = self.pool.quotes(index, 2)
        candidates = sorted(quotes.hits, key=lambda c: (quotes.score[c], c))
        for candidate in reversed(candidates):
            if self.pool.loops(index, candidate):
                continue
            strength = quotes.coverage(candidate) * quotes.margin(candidate)
            lines = self.pool.quoted_lines(index, candidate, depth=2)
            evidence = (
                f"{self._quoting(candidate, lines)} two levels deep, through a reply "
                "that is not here: attached to that nearest ancestor"
            )
            return ParentGuess(candidate, 0.25 + 0.15 * strength, evidence, "ancestor")
        return None

    def _quoted_ids(self, index: int) -> ParentGuess | None:
        """A quoted "In article <id>" line names the grandparent."""
        for attribution in self.pool.texts[index].attributions:
            if attribution.depth != 1:
                continue
            for ref in attribution.ids:
                found = self.pool.earlier(index, ref)
                if found is not None:
                    evidence = (
                        f"quotes a reply to <{ref}> that is not here: "
                        "attached to that nearest ancestor"
                    )
                    return ParentGuess(found, 0.45, evidence, "ancestor")
        return None

    def _quoting(self, candidate: int, lines: int) -> str:
        plural = "line" if lines == 1 else "lines"
        return f"quotes {lines} {plural} of {self._who(candidate)}"

    def _who(self, candidate: int) -> str:
        post = self.posts[candidate]
        name = post.author_name or post.author_email or "an unnamed author"
        when = post.date.date().isoformat() if post.date else "unknown date"
        return f"{name}'s post of {when}"


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
