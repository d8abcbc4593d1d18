"""Same-claim proposals decided and read: accepted as a label, or rejected.

A proposal (`propagation`) waits in the review queue until a moderator
accepts it, which makes a label on the matched span with the original's
verdict (or the moderator's edit of it), or rejects it with a reason, after
which the same post is never proposed for that label again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forum.errors import ForumError
from forum.extensions import DbSession
from forum.models import Citation, ClaimProposal, Label, Post, User
from forum.permissions import LABEL_WRITE, require
from forum.services.audit import record, utcnow
from forum.services.evidence import label_post
from forum.services.queue_decisions import reason_given, refuse_decided


class ProposalRejected(ForumError):
    """A proposal cannot be decided as asked; the message says why."""


def accept_proposal(session: DbSession, actor: User, proposal: ClaimProposal, *,
                    kind_key: str | None = None, rationale: str | None = None,
                    exact: str | None = None,
                    citations: Sequence[Citation] | None = None) -> Label:
    """A new label on the matched span (or the moderator's edit of it), with the
    original's verdict, rationale and citations unless edited; linked to it."""
    require(actor, LABEL_WRITE)
    _still_open(proposal)
    source = proposal.source_label
    post = session.get_one(Post, proposal.post_id)
    edited = any(v is not None for v in (kind_key, rationale, exact, citations))
    label = label_post(
        session, actor, post, kind_key or source.kind.key,
        rationale if rationale is not None else source.rationale,
        exact=exact if exact is not None else proposal.exact,
        prefix="" if exact is not None else proposal.prefix,
        suffix="" if exact is not None else proposal.suffix,
        citations=list(citations if citations is not None else source.citations),
        why=f"same claim as label {source.id}" + (", edited" if edited else ""))
    label.derived_from_id = source.id
    _decide(session, actor, proposal, "accepted", "edited" if edited else "")
    proposal.label_id = label.id
    session.flush()
    return label


def reject_proposal(session: DbSession, actor: User, proposal: ClaimProposal,
                    reason: str) -> None:
    require(actor, LABEL_WRITE)
    _still_open(proposal)
    _decide(session, actor, proposal, "rejected",
            reason_given(reason, ProposalRejected,
                         "Say why this is not the same claim."))


def _still_open(proposal: ClaimProposal) -> None:
    refuse_decided(proposal.status, "proposed", "proposal", ProposalRejected)


def _decide(session: DbSession, actor: User, proposal: ClaimProposal, status: str,
            reason: str) -> None:
    proposal.status, proposal.reason = status, reason
    proposal.decided_by_id, proposal.decided_at = actor.id, utcnow()
    record(session, actor, {"accepted": "proposal.accept",
                            "rejected": "proposal.reject"}[status],
           target_type="claim_proposal", target_id=proposal.id,
           post_id=proposal.post_id, reason=reason,
           after={"source_label": proposal.source_label_id, "score": proposal.score,
                  "exact": proposal.exact})


# -- reading ------------------------------------------------------------------------


def proposals_on_posts(session: DbSession, post_ids: Iterable[int]
                       ) -> dict[int, list[ClaimProposal]]:
    """Open proposals per post, best first, for the review queue."""
    found: dict[int, list[ClaimProposal]] = {}
    # The queue shows each proposal's source label, its kind and how many
    # citations it has: loaded with the proposals, not one query per item.
    source = selectinload(ClaimProposal.source_label)
    for proposal in session.scalars(select(ClaimProposal).options(
            source.selectinload(Label.citations))
            .where(ClaimProposal.post_id.in_(list(post_ids)),
                   ClaimProposal.status == "proposed")
            .order_by(ClaimProposal.score.desc())):
        found.setdefault(proposal.post_id, []).append(proposal)
    return found


def same_claim_counts(session: DbSession, labels: Sequence[Label]) -> dict[int, int]:
    """For each label, the other visible posts found making its claim and not
    rejected by a moderator (a derived label counts its original's family)."""
    roots = {label.id: label.derived_from_id or label.id for label in labels}
    if not roots:
        return {}
    rows = session.execute(
        select(ClaimProposal.source_label_id, ClaimProposal.post_id)
        .join(Post, Post.id == ClaimProposal.post_id)
        .where(ClaimProposal.source_label_id.in_(set(roots.values())),
               ClaimProposal.status != "rejected", Post.is_hidden.is_(False)))
    family: dict[int, set[int]] = {}
    for root, post_id in rows:
        family.setdefault(root, set()).add(post_id)
    originals = dict(session.execute(
        select(Label.id, Label.post_id).where(Label.id.in_(set(roots.values()))))
        .tuples().all())
    counts = {}
    for label in labels:
        root = roots[label.id]
        posts: set[int | None] = {*family.get(root, set()), originals.get(root)}
        counts[label.id] = len(posts - {label.post_id, None})
    return counts
