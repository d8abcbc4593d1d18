"""Claim hints: the claim rules' finds, stored at import, and the sentence round each.

The `forum.claim_match.hints` rules mark words that make a health claim (a
dose, "a study found"); the review queue lists the posts that carry hints and
no label yet.  A hint's words alone are rarely checkable, so what the queue
shows and labels is the sentence the hint sits in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select

from forum.claim_match.hints import ClaimHint as FoundHint
from forum.claim_match.hints import find_claim_hints
from forum.extensions import DbSession
from forum.models import ClaimHint, Post
from forum.text.markup import post_plain_text
from forum.text.textquote import normalise

# A claim sentence longer than this is labelled by the hint's own words instead.
MAX_SENTENCE = 400
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n[ \t]*\n")


def record_claim_hints(session: DbSession, post_ids: Iterable[int],
                       scanned: Mapping[int, Sequence[FoundHint]] | None = None
                       ) -> int:
    """Run the claim rules over these posts and store what they find (idempotent).

    `scanned` holds the hints already found in the stored text of some of the
    posts (an import scans ahead); the others are read and scanned here.
    """
    post_ids = list(post_ids)
    if not post_ids:
        return 0
    scanned = scanned or {}
    session.execute(delete(ClaimHint).where(ClaimHint.post_id.in_(post_ids)))
    found = {post_id: hints for post_id, hints in scanned.items() if hints}
    unscanned = [post_id for post_id in post_ids if post_id not in scanned]
    if unscanned:
        for post_id, body_text, body_html in session.execute(
                select(Post.id, Post.body_text, Post.body_html)
                .where(Post.id.in_(unscanned), Post.is_ghost.is_(False))).all():
            found[post_id] = find_claim_hints(post_plain_text(body_text, body_html))
    rows: list[dict[str, Any]] = [
        {"post_id": post_id, "rule": hint.rule, "start": hint.start,
         "end": hint.end, "text": hint.text[:300]}
        for post_id, hints in found.items() for hint in hints]
    if rows:
        session.execute(insert(ClaimHint), rows)
    return len(rows)


def claim_sentence(text: str, hint: ClaimHint) -> str:
    """The sentence a hint sits in, whitespace collapsed; else the hint's words.

    A dose or "a study found" is only checkable as the sentence that says it,
    so that is what a label from the queue is about.
    """
    left, right = sentence_bounds(text, hint)
    return normalise(text[left:right])


def sentence_bounds(text: str, hint: ClaimHint) -> tuple[int, int]:
    """Where the hint's sentence starts and ends; the hint's own ends if too long.

    Only MAX_SENTENCE characters either side are searched: a longer sentence
    is not used, and a long post is not scanned from its start for each hint.
    """
    if text[hint.start:hint.end] != hint.text:
        return hint.start, hint.end
    low, high = max(0, hint.start - MAX_SENTENCE), hint.end + MAX_SENTENCE
    left = 0 if low == 0 else None
    for match in _SENTENCE_END.finditer(text, low, hint.start):
        left = match.end()
    after = _SENTENCE_END.search(text, hint.end, high)
    right: int | None
    if after is not None:
        right = after.end() if after.group().strip() else after.start()
    else:
        right = len(text) if len(text) <= high else None
    if left is None or right is None or right - left > MAX_SENTENCE:
        return hint.start, hint.end
    return left, right
