"""Same-claim propagation: a verdict meets its claim wherever it appears.

A claim recurs across an archive: three seed articles call magnesium a
natural calcium channel blocker, and old threads repeat the same sentences
for years.  When a moderator labels a claim, the search backend finds the
posts that share its words, the sentence matcher (`forum.claim_match`) scores
each post's best sentence, and every post that reaches the threshold
(FORUM_CLAIM_MATCH_THRESHOLD) becomes a proposal in the review queue: both
spans, the similarity and why, the original verdict.  Posts imported later
are checked against every labelled claim.  Nothing is labelled until a
moderator accepts, and a rejected proposal is never made again.

Claims quoted in a reply are not proposed: the reply repeats the claim to
answer it, and the label already sits on the post that made it.

This module makes proposals; finding the posts (`claim_search`) and deciding
and reading proposals (`claim_proposals`) sit beside it, re-exported here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select

from forum.claim_match import Match, TermWeights, claim_terms
from forum.extensions import DbSession
from forum.models import ClaimProposal, Label, Post
from forum.search import SearchIndex, get_index
from forum.services.audit import utcnow
from forum.services.claim_proposals import (
    ProposalRejected,
    accept_proposal,
    proposals_on_posts,
    reject_proposal,
    same_claim_counts,
)
from forum.services.claim_search import (
    CANDIDATES,
    Settings,
    archive_weights,
    forget_weights,
    likely_among,
    likely_posts,
    match_in_post,
    open_posts,
    post_text,
    settings_from_config,
)

__all__ = [
    "CANDIDATES", "CLAIM_KINDS", "MIN_CLAIM_WORDS", "ProposalRejected", "Settings",
    "accept_proposal", "archive_weights", "check_new_posts", "forget_weights",
    "likely_posts", "match_in_post", "propose_for_label", "proposals_on_posts",
    "reject_proposal", "same_claim_counts", "settings_from_config", "stands_alone",
]

logger = logging.getLogger(__name__)

# Labels about a claim's standing that carry over to the same claim elsewhere;
# the others (personal experience, off topic...) are about one post.
CLAIM_KINDS = ("source_not_found", "needs_source", "misrepresents_source")
# A claim of fewer content words leans on its context ("all of these same
# changes are found also in magnesium deficiencies"): it is not looked for.
MIN_CLAIM_WORDS = 4


def propose_for_label(session: DbSession, label: Label, settings: Settings,
                      index: SearchIndex | None = None,
                      weights: TermWeights | None = None) -> list[ClaimProposal]:
    """Proposals for every post the search finds that makes the label's claim.

    Called by whoever made the label (a moderator's form, the evidence file
    loader), after it is made: a failure here is logged and never costs the
    label, so it runs in its own savepoint.
    """
    if not _is_claim(label) or not settings.enabled or label.derived_from_id:
        return []
    try:
        with session.begin_nested():
            return _search_and_propose(session, label, settings,
                                       index or get_index(), weights)
    except Exception:  # noqa: BLE001 - proposals help; the label stands
        logger.exception("same-claim search failed for label %s", label.id)
        return []


def _search_and_propose(session: DbSession, label: Label, settings: Settings,
                        index: SearchIndex, weights: TermWeights | None
                        ) -> list[ClaimProposal]:
    weights = weights or archive_weights(session)
    claim = label.exact or ""  # a claim label quotes its words (`_is_claim`)
    posts = likely_posts(session, claim, settings, index, weights,
                         leave_out=label.post_id)
    return _propose(session, label, claim, posts, settings.threshold, weights)


def check_new_posts(session: DbSession, post_ids: Iterable[int], settings: Settings,
                    weights: TermWeights | None = None) -> int:
    """Match newly imported posts against every labelled claim; proposals made."""
    post_ids = list(post_ids)
    if not settings.enabled or not post_ids:
        return 0
    labels = [label for label in session.scalars(select(Label).where(
        Label.is_withdrawn.is_(False), Label.exact.is_not(None),
        Label.derived_from_id.is_(None))) if _is_claim(label)]
    if not labels:
        return 0
    weights = weights or archive_weights(session)
    posts = open_posts(session, post_ids)
    folded = {post.id: post_text(post).casefold() for post in posts}  # once
    made = 0
    for label in labels:
        claim = label.exact or ""
        likely = likely_among(claim, [p for p in posts if p.id != label.post_id],
                              weights, folded)
        made += len(_propose(session, label, claim, likely, settings.threshold,
                             weights))
    return made


def _propose(session: DbSession, label: Label, claim: str, posts: Sequence[Post],
             threshold: float, weights: TermWeights) -> list[ClaimProposal]:
    known = set(session.scalars(select(ClaimProposal.post_id).where(
        ClaimProposal.source_label_id == label.id)))
    made = []
    for post in posts:
        if post.id in known:
            continue
        found = match_in_post(claim, post, threshold, weights)
        if found is None or _labelled(session, post, found[1].exact):
            continue
        match, quote = found
        proposal = ClaimProposal(
            source_label_id=label.id, post_id=post.id, exact=quote.exact,
            prefix=quote.prefix, suffix=quote.suffix, score=round(match.score, 3),
            explanation=_explained(match), status="proposed", reason="",
            created_at=utcnow())
        session.add(proposal)
        made.append(proposal)
    session.flush()
    return made


def _is_claim(label: Label) -> bool:
    return (bool(label.exact) and not label.is_withdrawn
            and (label.kind.is_verdict or label.kind.key in CLAIM_KINDS)
            and stands_alone(label.exact or ""))


def stands_alone(claim: str) -> bool:
    """Whether the claim says enough by itself to be looked for elsewhere."""
    return len(set(claim_terms(claim).stems)) >= MIN_CLAIM_WORDS


def _labelled(session: DbSession, post: Post, exact: str) -> bool:
    return session.scalar(select(Label.id).where(
        Label.post_id == post.id, Label.exact == exact,
        Label.is_withdrawn.is_(False)).limit(1)) is not None


def _explained(match: Match) -> dict[str, Any]:
    return {"text": match.explanation, "shared": list(match.shared_terms),
            "phrases": list(match.shared_phrases), "claim_only": list(match.claim_only),
            "penalties": list(match.penalties), "coverage": round(match.coverage, 3)}
