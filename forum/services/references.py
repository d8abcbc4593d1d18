"""References written out as text: found in posts, matched, confirmed by a moderator.

"Bagis S, et al. Rheumatology Int [epub ahead of print] Jan. 22, 2012" names a
paper without an identifier.  The scan (`forum.citations.references`) finds
such lines at import and by `flask citations scan`; each waits as an
unresolved reference on the post's moderator page and in the review queue.
With lookups on, `flask citations match` asks NCBI's citation matcher and
Crossref's bibliographic search for candidates (never a confirmation); a
moderator attaches the right identifier, which becomes an ordinary citation
on the post, or says it is no reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import delete, select

from forum.citations.reference_shapes import FoundReference
from forum.citations.references import find_references
from forum.errors import ForumError
from forum.extensions import DbSession
from forum.models import Post, PostCitation, PostReference, User
from forum.permissions import CITATION_WRITE, require
from forum.services.audit import record, utcnow
from forum.services.citations import attach_citation
from forum.services.queue_decisions import reason_given, refuse_decided
from forum.text.markup import post_plain_text


class ReferenceRejected(ForumError):
    """A reference cannot be decided as asked; the message says why."""


class _Candidate(Protocol):
    def _asdict(self) -> dict[str, Any]: ...


class Matcher(Protocol):
    """What asks the services for candidates (`forum.citations.matching`)."""

    def candidates(self, reference: FoundReference) -> Sequence[_Candidate]: ...


def record_references(session: DbSession, post_ids: Iterable[int]) -> int:
    """Find the written-out references of these posts (again); how many are new.

    Decided references stay as they are; undecided ones are found afresh, so
    a post whose text changed (a redaction) keeps none of its old words here.
    """
    post_ids = list(post_ids)
    if not post_ids:
        return 0
    session.execute(delete(PostReference).where(
        PostReference.post_id.in_(post_ids), PostReference.status == "unresolved"))
    decided = {(r.post_id, r.span_start) for r in session.scalars(
        select(PostReference).where(PostReference.post_id.in_(post_ids)))}
    added = 0
    for post_id, body_text, body_html in session.execute(
            select(Post.id, Post.body_text, Post.body_html).where(
                Post.id.in_(post_ids), Post.is_ghost.is_(False))):
        for found in find_references(post_plain_text(body_text, body_html)):
            if (post_id, found.start) not in decided:
                session.add(_row(post_id, found))
                added += 1
    session.flush()
    return added


def _row(post_id: int, found: FoundReference) -> PostReference:
    return PostReference(
        post_id=post_id, span_start=found.start, span_end=found.end,
        text=found.text[:2000], fields=reference_fields(found), status="unresolved",
        candidates=[], reason="", created_at=utcnow())


def reference_fields(found: FoundReference) -> dict[str, Any]:
    """What the scan read from the reference, for moderators and the matcher."""
    authors = [f"{a.family} {a.initials}".strip() for a in found.authors]
    fields: dict[str, Any] = {"authors": authors, "et_al": found.et_al,
                              "year": found.year, "shape": found.shape}
    for name in ("title", "journal", "volume", "issue", "first_page"):
        if getattr(found, name):
            fields[name] = getattr(found, name)
    return fields


def match_references(session: DbSession, matcher: Matcher, limit: int = 100) -> int:
    """Ask the matcher for candidates for references not asked about yet."""
    waiting = session.scalars(select(PostReference).where(
        PostReference.status == "unresolved").order_by(PostReference.id)
        .limit(limit)).all()
    matched = 0
    for row in waiting:
        if row.candidates:
            continue
        found = _found_again(session, row)
        if found is None:
            continue
        row.candidates = [c._asdict() for c in matcher.candidates(found)] or [
            {"kind": "", "value": "", "source": "", "why": "no candidate found"}]
        matched += any(c["value"] for c in row.candidates)
    session.flush()
    return matched


def _found_again(session: DbSession, row: PostReference) -> FoundReference | None:
    post = session.get_one(Post, row.post_id)
    text = post_plain_text(post.body_text, post.body_html)
    return next((f for f in find_references(text) if f.start == row.span_start),
                None)


def confirm_reference(session: DbSession, actor: User, row: PostReference,
                      identifier: str) -> PostCitation:
    """The moderator names the work: it is attached to the post as a citation."""
    require(actor, CITATION_WRITE)
    _still_open(row)
    post = session.get_one(Post, row.post_id)
    attached = attach_citation(session, actor, post, identifier,
                               note=f"Written in the post as: {row.text}"[:2000])
    row.status, row.citation_id = "confirmed", attached.citation_id
    row.decided_by_id, row.decided_at = actor.id, utcnow()
    record(session, actor, "reference.confirm", target_type="post_reference",
           target_id=row.id, post_id=row.post_id, reason=identifier[:200])
    return attached


def reject_reference(session: DbSession, actor: User, row: PostReference,
                     reason: str) -> None:
    require(actor, CITATION_WRITE)
    _still_open(row)
    reason = reason_given(reason, ReferenceRejected,
                          "Say why this is not a reference to a paper.")
    row.status, row.reason = "rejected", reason
    row.decided_by_id, row.decided_at = actor.id, utcnow()
    record(session, actor, "reference.reject", target_type="post_reference",
           target_id=row.id, post_id=row.post_id, reason=row.reason)


def _still_open(row: PostReference) -> None:
    refuse_decided(row.status, "unresolved", "reference", ReferenceRejected)


def references_on_posts(session: DbSession, post_ids: Iterable[int],
                        statuses: tuple[str, ...] = ("unresolved",)
                        ) -> dict[int, list[PostReference]]:
    found: dict[int, list[PostReference]] = {}
    for row in session.scalars(select(PostReference).where(
            PostReference.post_id.in_(list(post_ids)),
            PostReference.status.in_(statuses)).order_by(PostReference.span_start)):
        found.setdefault(row.post_id, []).append(row)
    return found
