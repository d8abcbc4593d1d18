"""Evidence labels on posts: the taxonomy, labelling, revising, withdrawing.

A label is about a claim in a post, never about the poster (Community Notes,
ClaimReview).  Every change keeps the old state as a `LabelRevision` and adds
an audit entry in the same transaction; the caller commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select

from forum.errors import ForumError
from forum.extensions import DbSession
from forum.models import (
    AuditEntry,
    Citation,
    Label,
    LabelKind,
    LabelRevision,
    Post,
    User,
)
from forum.permissions import LABEL_WRITE, TAXONOMY_WRITE, require
from forum.services.audit import record, utcnow
from forum.services.taxonomy import DEFAULT_KINDS
from forum.text.markup import render_post
from forum.text.textquote import MAX_EXACT, TextQuote, quote_in

logger = logging.getLogger(__name__)
MAX_RATIONALE = 5000


class LabelRejected(ForumError):
    """A label cannot be added or changed as asked; the message says why."""


def seed_label_kinds(session: DbSession) -> int:
    """Add the default taxonomy's missing kinds (admins' edits are kept)."""
    known = set(session.scalars(select(LabelKind.key)))
    added = 0
    for position, kind in enumerate(DEFAULT_KINDS):
        if kind["key"] not in known:
            session.add(LabelKind(position=position, is_active=True, **kind))
            added += 1
    session.flush()
    return added


def label_kinds(session: DbSession, active_only: bool = True) -> list[LabelKind]:
    query = select(LabelKind).order_by(LabelKind.position, LabelKind.key)
    if active_only:
        query = query.where(LabelKind.is_active.is_(True))
    return list(session.scalars(query))


def update_label_kind(session: DbSession, actor: User, kind: LabelKind, *,
                      display_name: str, definition: str, severity: str,
                      requires_citation: bool, is_active: bool) -> LabelKind:
    """An admin's edit of one taxonomy entry (its key never changes)."""
    require(actor, TAXONOMY_WRITE)
    from forum.models.evidence import SEVERITIES

    if severity not in SEVERITIES:
        raise LabelRejected(f"Severity must be one of: {', '.join(SEVERITIES)}.")
    if not display_name.strip() or not definition.strip():
        raise LabelRejected("A label kind needs a display name and a definition.")
    before = _kind_state(kind)
    kind.display_name = display_name.strip()[:80]
    kind.definition = definition.strip()
    kind.severity = severity
    kind.requires_citation = requires_citation
    kind.is_active = is_active
    record(session, actor, "taxonomy.update", target_type="label_kind",
           target_id=kind.id, before=before, after=_kind_state(kind))
    return kind


def _kind_state(kind: LabelKind) -> dict[str, Any]:
    return {"key": kind.key, "display_name": kind.display_name,
            "definition": kind.definition, "severity": kind.severity,
            "requires_citation": kind.requires_citation, "is_active": kind.is_active}


# -- labels ------------------------------------------------------------------------


def label_post(session: DbSession, actor: User, post: Post, kind_key: str,
               rationale: str, *, exact: str | None = None, prefix: str = "",
               suffix: str = "", citations: Sequence[Citation] = (),
               why: str = "") -> Label:
    """Label the whole post (`exact` None) or the span a moderator selected."""
    require(actor, LABEL_WRITE)
    kind = _kind(session, kind_key)
    quote = _span(post, exact, prefix, suffix)
    rationale = _rationale(rationale)
    _check_citations(kind, citations)
    now = utcnow()
    label = Label(post_id=post.id, kind=kind, kind_id=kind.id,
                  exact=quote.exact if quote else None,
                  prefix=quote.prefix if quote else "",
                  suffix=quote.suffix if quote else "", rationale=rationale,
                  is_withdrawn=False, revision=1, created_by_id=actor.id,
                  created_at=now, updated_by_id=actor.id, updated_at=now)
    label.citations = list(citations)
    _check_exclusive(session, post, label)
    session.add(label)
    session.flush()
    _keep_revision(session, label, actor, "created", why)
    record(session, actor, "label.create", target_type="label", target_id=label.id,
           post_id=post.id, reason=kind.key, why=why, after=label_state(label))
    return label


def revise_label(session: DbSession, actor: User, label: Label, *, kind_key: str,
                 rationale: str, citations: Sequence[Citation], why: str = "",
                 exact: str | None = None, prefix: str = "",
                 suffix: str = "") -> Label:
    """Change a label's kind, span, rationale or citations; the old state stays."""
    require(actor, LABEL_WRITE)
    post = session.get_one(Post, label.post_id)
    before = label_state(label)
    kind = _kind(session, kind_key)
    quote = _span(post, exact, prefix, suffix) if exact else None
    _check_citations(kind, citations)
    label.kind, label.kind_id = kind, kind.id
    label.exact = quote.exact if quote else None
    label.prefix = quote.prefix if quote else ""
    label.suffix = quote.suffix if quote else ""
    label.rationale = _rationale(rationale)
    label.citations = list(citations)
    _check_exclusive(session, post, label)
    return _changed(session, actor, label, "revised", "label.revise", why, before)


def withdraw_label(session: DbSession, actor: User, label: Label, why: str,
                   reverts: AuditEntry | None = None) -> Label:
    """Take a label down (it stays in the post's evidence history)."""
    require(actor, LABEL_WRITE)
    if label.is_withdrawn:
        raise LabelRejected("This label is already withdrawn.")
    if not why.strip():
        raise LabelRejected("Say why the label is withdrawn.")
    before = label_state(label)
    label.is_withdrawn = True
    return _changed(session, actor, label, "withdrawn", "label.withdraw", why, before,
                    reverts=reverts)


def restore_label(session: DbSession, actor: User, label: Label, why: str,
                  reverts: AuditEntry | None = None) -> Label:
    """Put a withdrawn label back (an undo of its withdrawal)."""
    require(actor, LABEL_WRITE)
    if not label.is_withdrawn:
        raise LabelRejected("This label is not withdrawn.")
    before = label_state(label)
    label.is_withdrawn = False
    _check_exclusive(session, session.get_one(Post, label.post_id), label)
    return _changed(session, actor, label, "restored", "label.restore", why, before,
                    reverts=reverts)


def _changed(session: DbSession, actor: User, label: Label, change: str, action: str,
             why: str, before: dict[str, Any], reverts: AuditEntry | None = None
             ) -> Label:
    label.revision += 1
    label.updated_by_id, label.updated_at = actor.id, utcnow()
    session.flush()
    _keep_revision(session, label, actor, change, why)
    record(session, actor, action, target_type="label", target_id=label.id,
           post_id=label.post_id, reason=label.kind.key, why=why, before=before,
           after=label_state(label), reverts=reverts)
    return label


def label_state(label: Label) -> dict[str, Any]:
    """What the audit log keeps of a label: no post text, only its length."""
    return {
        "kind": label.kind.key, "rationale": label.rationale,
        "span": "whole post" if label.exact is None
        else f"{len(label.exact)} characters",
        "citations": [c.id for c in label.citations],
        "withdrawn": label.is_withdrawn, "revision": label.revision,
    }


def _keep_revision(session: DbSession, label: Label, actor: User, change: str,
                   why: str) -> None:
    session.add(LabelRevision(
        label_id=label.id, revision=label.revision, change=change,
        kind_id=label.kind_id, exact=label.exact, rationale=label.rationale,
        is_withdrawn=label.is_withdrawn,
        citation_ids=[c.id for c in label.citations], why=why,
        actor_id=actor.id, at=utcnow()))
    session.flush()


def _kind(session: DbSession, key: str) -> LabelKind:
    kind = session.scalar(select(LabelKind).where(LabelKind.key == key,
                                                  LabelKind.is_active.is_(True)))
    if kind is None:
        raise LabelRejected(f"There is no label {key!r}.")
    return kind


def _span(post: Post, exact: str | None, prefix: str, suffix: str
          ) -> TextQuote | None:
    if exact is None or not exact.strip():
        return None
    if len(exact) > MAX_EXACT:
        raise LabelRejected(f"Select at most {MAX_EXACT} characters.")
    quote = quote_in(str(render_post(post)), exact, prefix, suffix)
    if quote is None:
        raise LabelRejected("The selected text is not in this post. Select it again.")
    return quote


def _rationale(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise LabelRejected("A rationale is required: say why this label applies.")
    if len(text) > MAX_RATIONALE:
        raise LabelRejected(f"Keep the rationale under {MAX_RATIONALE} characters.")
    return text


def _check_citations(kind: LabelKind, citations: Sequence[Citation]) -> None:
    if kind.requires_citation and not citations:
        raise LabelRejected(f"The label '{kind.display_name}' needs at least one "
                            "citation.")


def _check_exclusive(session: DbSession, post: Post, label: Label) -> None:
    """Verdicts exclude each other on the same span; no label twice on a span."""
    others = session.scalars(select(Label).where(
        Label.post_id == post.id, Label.is_withdrawn.is_(False),
        Label.id != (label.id or 0)))
    for other in others:
        if (other.exact, other.prefix, other.suffix) != (
                label.exact, label.prefix, label.suffix):
            continue
        if other.kind_id == label.kind_id:
            raise LabelRejected(f"This span already has the label "
                                f"'{other.kind.display_name}'.")
        if other.kind.is_verdict and label.kind.is_verdict:
            raise LabelRejected(
                f"This span already has the verdict '{other.kind.display_name}'; "
                "revise or withdraw it first.")


def undo_label_action(session: DbSession, actor: User, entry: AuditEntry) -> Label:
    """Undo one audited label action with a new action pointing back at it.

    Only the label's latest action can be undone; after later changes a
    moderator revises the label instead.
    """
    require(actor, LABEL_WRITE)
    label = session.get(Label, entry.target_id) if entry.target_type == "label" \
        else None
    if label is None or not entry.after:
        raise LabelRejected("Only label actions can be undone here.")
    if entry.after.get("revision") != label.revision:
        raise LabelRejected("The label changed since; revise it instead.")
    why = f"undo of audit entry #{entry.id}"
    if entry.action in ("label.create", "label.restore"):
        return withdraw_label(session, actor, label, why, reverts=entry)
    if entry.action == "label.withdraw":
        return restore_label(session, actor, label, why, reverts=entry)
    if entry.action == "label.revise":
        return _revert_revision(session, actor, label, entry, why)
    raise LabelRejected(f"'{entry.action}' cannot be undone.")


def _revert_revision(session: DbSession, actor: User, label: Label,
                     entry: AuditEntry, why: str) -> Label:
    previous = session.scalars(select(LabelRevision).where(
        LabelRevision.label_id == label.id,
        LabelRevision.revision == label.revision - 1)).one()
    before = label_state(label)
    label.kind_id = previous.kind_id
    label.kind = session.get_one(LabelKind, previous.kind_id)
    label.rationale = previous.rationale
    if previous.exact != label.exact:
        label.exact, label.prefix, label.suffix = previous.exact, "", ""
    label.citations = [session.get_one(Citation, i) for i in previous.citation_ids]
    _check_exclusive(session, session.get_one(Post, label.post_id), label)
    return _changed(session, actor, label, "revised", "label.revise", why, before,
                    reverts=entry)


# -- reading -----------------------------------------------------------------------


def labels_on_posts(session: DbSession, post_ids: Iterable[int]
                    ) -> dict[int, list[Label]]:
    """Active labels per post, most severe first."""
    post_ids = list(post_ids)
    if not post_ids:
        return {}
    rows = session.scalars(select(Label).where(
        Label.post_id.in_(post_ids), Label.is_withdrawn.is_(False)).order_by(
        Label.id))
    found: dict[int, list[Label]] = {}
    for label in rows:
        found.setdefault(label.post_id, []).append(label)
    order = {"serious": 0, "caution": 1, "context": 2, "info": 3}
    for labels in found.values():
        labels.sort(key=lambda lb: (order.get(lb.kind.severity, 9), lb.id))
    return found


def label_history(session: DbSession, post_id: int) -> list[LabelRevision]:
    """Every revision of every label on a post, oldest first."""
    return list(session.scalars(
        select(LabelRevision).join(Label, Label.id == LabelRevision.label_id)
        .where(Label.post_id == post_id)
        .order_by(LabelRevision.at, LabelRevision.id)))
