"""The earlier posts a reply may answer, indexed for `importers.reconstruct`.

Posts join the pool in source order (`add`), so only earlier posts are ever
candidates.  The pool answers the lookups a parent guess is made of: which
earlier posts hold the words a reply quotes (one level down: what it quotes
once against their own text, what it quotes twice against what they quoted
once), which have the Message-ID an attribution names, whose author fits an
attribution, and whether taking a candidate as parent would close a loop.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

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

# Shingles repeated in more earlier posts than this (stock phrases, a much
# quoted paragraph) are too common to point anywhere, and slow to follow.
_COMMON = 40


class ReplyPool:
    """Earlier posts, indexed by shingle per depth, author identity and id.

    `topics` (e.g. normalised subjects), when given, say which posts share a
    topic; `parents` holds each post's parent as known so far, declared or
    guessed, as indexes.
    """

    def __init__(self, posts: Sequence[IncomingMessage],
                 topics: Sequence[str] | None = None) -> None:
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

    def add(self, index: int, parent: int | None) -> None:
        """Make a post a candidate for the posts after it (`parent`: its guessed
        parent, if any)."""
        post = self.posts[index]
        if parent is not None:
            self.parents[index] = parent
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

    def quotes(self, index: int, offset: int) -> QuoteMatches:
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

    def quoted_lines(self, index: int, candidate: int, depth: int = 1) -> int:
        """How many of my lines quoted `depth` deep repeat the candidate's own."""
        lines: set[int] = set()
        target = self.shingles[0]
        level = self.texts[index].levels[depth]
        for key, first, last in zip(level.keys, level.firsts, level.lasts, strict=True):
            if candidate in target.get(key, ()):
                lines.update(range(first, last + 1))
        return len(lines)

    def earlier(self, index: int, ref: str) -> int | None:
        """The earlier post with Message-ID `ref`, if it may be index's parent."""
        found = self._find_id(ref)
        if found is None or found >= index or self.loops(index, found):
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

    def identities(self, own: list[Attribution]) -> dict[int, tuple[float, str]]:
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

    def same_topic(self, index: int, candidate: int) -> bool:
        """Same topic, or one names the other ("New subject (was: Old)")."""
        if self.topics is None:
            return False
        mine, theirs = self.topics[index], self.topics[candidate]
        if mine == theirs:
            return True
        shorter, longer = sorted((mine, theirs), key=len)
        return len(shorter) >= 8 and shorter in longer

    def loops(self, child: int, candidate: int) -> bool:
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
