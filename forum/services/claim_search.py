"""Finding a claim in other posts: the likely posts, and the best match in each.

The search backend hands over the posts that share a claim's rarest words;
a cheap substring test keeps those holding two of its three rarest; the
sentence matcher (`forum.claim_match`) scores only the paragraphs round
those words.  Words are weighed by how rare they are in this archive, from
a sample of its posts counted once an hour.  `Settings` says how high the
bar is, how many posts the search hands over, and whether any of this runs.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from whoosh.lang.porter import stem as porter_stem

from forum.claim_match import (
    DEFAULT_THRESHOLD,
    STOP_WORDS,
    Match,
    TermWeights,
    best_match,
    claim_terms,
)
from forum.errors import ForumError
from forum.extensions import DbSession
from forum.models import Post
from forum.search import SearchIndex, ast
from forum.text.markup import post_plain_text, render_post
from forum.text.textquote import TextQuote, normalise, quote_in

# Posts the search backend hands the matcher for one claim.
CANDIDATES = 100
# Posts read to weigh words by how rare they are in this archive, and how long
# the weights serve before they are counted again (counting takes seconds).
WEIGHT_SAMPLE = 400
WEIGHTS_FOR = 3600.0
_weights: dict[str, tuple[float, TermWeights]] = {}
# Words of a claim asked of the search backend (the rarest first).
QUERY_WORDS = 12
# How far either side of a rare word the matcher reads, within its paragraph.
PARAGRAPH = 600
_WORD = re.compile(r"[^\W\d_]+")
_QUOTED_LINE = re.compile(r"^[ \t]*(?:[A-Za-z]{1,3}[ \t]?)?(?:>|\|>)")


@dataclass(frozen=True)
class Settings:
    threshold: float = DEFAULT_THRESHOLD
    candidates: int = CANDIDATES
    enabled: bool = True


def settings_from_config(config: Mapping[str, Any]) -> Settings:
    """FORUM_CLAIM_MATCH_THRESHOLD (0-1) and FORUM_CLAIM_PROPAGATION (on/off)."""
    raw = config.get("FORUM_CLAIM_MATCH_THRESHOLD", DEFAULT_THRESHOLD)
    try:
        threshold = float(raw)
    except (TypeError, ValueError):
        raise ForumError(f"FORUM_CLAIM_MATCH_THRESHOLD must be a number, not {raw!r}") \
            from None
    if not 0 < threshold <= 1:
        raise ForumError("FORUM_CLAIM_MATCH_THRESHOLD must be above 0 and at most 1")
    enabled = str(config.get("FORUM_CLAIM_PROPAGATION", True)).lower() not in (
        "0", "false", "no", "off")
    return Settings(threshold, int(config.get("FORUM_CLAIM_MATCH_CANDIDATES",
                                              CANDIDATES)), enabled)


def likely_posts(session: DbSession, claim: str, settings: Settings,
                 index: SearchIndex, weights: TermWeights,
                 leave_out: int | None = None) -> list[Post]:
    """The visible posts the search backend finds for the claim's rarest words,
    less those without two of its three rarest (which cannot reach the
    threshold), best ranked first."""
    words = query_words(claim, weights)
    if not words:
        return []
    hits = index.search(ast.Or(tuple(ast.Term(w) for w in words)),
                        limit=settings.candidates, facets=False)
    posts = open_posts(session, [i for i in hits.ids if i != leave_out])
    return likely_among(claim, posts, weights)


def match_in_post(claim: str, post: Post, threshold: float, weights: TermWeights,
                  rare: Sequence[str] | None = None
                  ) -> tuple[Match, TextQuote] | None:
    """The claim's best match in the post's own words, with its selector on the
    rendered page; None below the threshold, in quoted lines, or unplaceable.

    Only the paragraphs holding the claim's rarest words are scored: scoring a
    long post's every sentence (and pair of them) costs a tenth of a second.
    """
    text = post_text(post)
    rare = rare if rare is not None else _rarest_words(claim, weights)
    best: tuple[Match, int] | None = None
    for start, end in _paragraphs_with(text, rare):
        match = best_match(claim, text[start:end], threshold, weights)
        if match is not None and (best is None or match.score > best[0].score):
            best = (match, start)
    if best is None or _quoted(text, best[1] + best[0].start):
        return None
    quote = quote_in(str(render_post(post)), normalise(best[0].text))
    return None if quote is None else (best[0], quote)


def _paragraphs_with(text: str, rare: Sequence[str]) -> list[tuple[int, int]]:
    """The paragraphs (at most PARAGRAPH characters either side of the word)
    where one of the rare words occurs, merged where they touch."""
    lowered = text.casefold()
    spans: list[tuple[int, int]] = []
    for word in rare:
        at = lowered.find(word)
        while at >= 0:
            start = max(lowered.rfind("\n\n", 0, at) + 1, at - PARAGRAPH, 0)
            found = lowered.find("\n\n", at)
            end = min(len(text) if found < 0 else found, at + PARAGRAPH)
            spans.append((start, end))
            at = lowered.find(word, at + len(word))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def archive_weights(session: DbSession, sample: int = WEIGHT_SAMPLE) -> TermWeights:
    """How rare each word is here, from an even sample of the archive's posts
    (kept for an hour per database: counting takes a second or two)."""
    key = str(session.get_bind().engine.url)
    kept = _weights.get(key)
    if kept and time.monotonic() - kept[0] < WEIGHTS_FOR:
        return kept[1]
    top = session.scalar(select(func.max(Post.id))) or 0
    step = max(1, top // sample)
    rows = session.execute(select(Post.body_text, Post.body_html).where(
        Post.is_ghost.is_(False), Post.id % step == 0).limit(sample))
    weights = TermWeights.from_texts(post_plain_text(t, h) for t, h in rows)
    _weights[key] = (time.monotonic(), weights)
    return weights


def forget_weights() -> None:
    """Count the archive's words again on next use (tests, after big imports)."""
    _weights.clear()


def likely_among(claim: str, posts: Sequence[Post], weights: TermWeights,
                 folded: Mapping[int, str] | None = None) -> list[Post]:
    """The posts holding two of the claim's three rarest words (their stems cut
    to five letters, so "blocker" finds "blocks"), found as plain substrings.

    The matcher weighs rare words most, so a post without them cannot reach
    the threshold, and a substring test costs next to nothing beside scoring
    (a post that writes both words only as abbreviations is missed).
    `folded` holds the posts' casefolded texts when the caller tries several
    claims on the same posts.
    """
    rare = _rarest_words(claim, weights)
    need = min(2, len(rare))
    likely = []
    for post in posts:
        text = folded[post.id] if folded is not None else post_text(post).casefold()
        if sum(word in text for word in rare) >= need:
            likely.append(post)
    return likely


def _rarest_words(claim: str, weights: TermWeights, count: int = 3) -> list[str]:
    """Stems of the rarest words, at most five letters ("acting" -> "act")."""
    return [porter_stem(w)[:5] for w in _surface_words(claim, weights)[:count]]


def _surface_words(claim: str, weights: TermWeights) -> list[str]:
    """The claim's own content words as written (not the matcher's canonical
    forms: "blocker" stays "blocker"), rarest in this archive first."""
    found = {w.casefold() for w in _WORD.findall(claim)}
    words = [w for w in found if len(w) > 2 and w not in STOP_WORDS]
    words.sort(key=lambda w: (-_weight(w, weights), w))
    return words


def _weight(word: str, weights: TermWeights) -> float:
    stems = claim_terms(word).stems
    return weights(stems[0]) if stems else 0.0


def query_words(claim: str, weights: TermWeights) -> list[str]:
    """The claim's content words, rarest first, as the search backend is asked."""
    return _surface_words(claim, weights)[:QUERY_WORDS]


def open_posts(session: DbSession, ids: Sequence[int]) -> list[Post]:
    """These posts, in this order, less the hidden and the ghosts."""
    if not ids:
        return []
    found = {p.id: p for p in session.scalars(select(Post).where(
        Post.id.in_(ids), Post.is_ghost.is_(False), Post.is_hidden.is_(False)))}
    return [found[i] for i in ids if i in found]


def post_text(post: Post) -> str:
    return post_plain_text(post.body_text, post.body_html)


def _quoted(text: str, offset: int) -> bool:
    line_start = text.rfind("\n", 0, offset) + 1
    return bool(_QUOTED_LINE.match(text, line_start))
