"""Purge: a post's content erased for good, a tombstone left behind its permalink.

The one takedown step that cannot be undone: the post is blanked and hidden,
every other copy of its words (label and proposal quotes, claim hints,
citation spans, written-out references, label revisions, flags, what its
redactions removed) is emptied, and its kept originals and source are deleted.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from forum.extensions import DbSession
from forum.models import (
    ClaimHint,
    ClaimProposal,
    ContentChange,
    FieldOriginal,
    Flag,
    Label,
    Post,
    PostCitation,
    PostReference,
    PostSource,
    Tombstone,
    User,
)
from forum.permissions import POST_PURGE, require
from forum.services.audit import record, utcnow
from forum.services.counters import refresh_after_visibility_change
from forum.services.takedown_reasons import PURGE_REASONS, TakedownRejected
from forum.services.takedown_rewrite import QUOTE_COLUMNS, revisions_of

# The rows that copy a post's words, and their columns that do.
_Copy = type[Label | PostCitation | ClaimHint | ClaimProposal | PostReference]
_RELATED_COLUMNS: tuple[tuple[_Copy, tuple[str, ...]], ...] = (
    (Label, QUOTE_COLUMNS), (PostCitation, ("span_text",)), (ClaimHint, ("text",)),
    (ClaimProposal, QUOTE_COLUMNS), (PostReference, ("text",)))


def purge_post(session: DbSession, actor: User, post: Post, reason: str,
               why: str = "") -> Tombstone:
    """Erase a post's content for good; its permalink answers with a tombstone."""
    require(actor, POST_PURGE)
    if reason not in PURGE_REASONS:
        raise TakedownRejected("Choose a reason for the purge.")
    refuse_purged(session, post)
    post.subject, post.body_text, post.body_html = "", "", None
    post.parent_evidence = post.date_note = post.author_name = None
    post.is_hidden = True
    for reply in session.scalars(select(Post).where(Post.parent_id == post.id)):
        reply.parent_evidence = None  # it quotes the purged post's words
    _erase_related(session, post)
    tombstone = Tombstone(post_id=post.id, purged_at=utcnow(),
                          purged_by_id=actor.id, reason=reason)
    session.add(tombstone)
    refresh_after_visibility_change(session, [post])  # flushes; counts drop
    record(session, actor, "post.purge", target_type="post", target_id=post.id,
           post_id=post.id, reason=reason, why=why, after={"purged": True})
    return tombstone


def _erase_related(session: DbSession, post: Post) -> None:
    """Every other copy of the post's words: quotes, hints, originals, source."""
    for model, columns in _RELATED_COLUMNS:
        for row in session.scalars(select(model).where(model.post_id == post.id)):
            for column in columns:
                setattr(row, column, None if column == "span_text" else "")
    for revision in revisions_of(session, post.id):
        revision.exact = None
    for flag in session.scalars(select(Flag).where(Flag.post_id == post.id)):
        flag.text = ""
    for change in session.scalars(select(ContentChange).where(
            ContentChange.post_id == post.id)):
        change.removed = {"text": ""}
    session.execute(delete(FieldOriginal).where(FieldOriginal.post_id == post.id))
    session.execute(delete(PostSource).where(PostSource.post_id == post.id))


def tombstone_of(session: DbSession, post_id: int) -> Tombstone | None:
    return session.get(Tombstone, post_id)


def tombstone_for(session: DbSession, permalink: str) -> Tombstone | None:
    """The tombstone behind a permalink, for the reader's 410 page."""
    return session.scalar(select(Tombstone).join(Post, Post.id == Tombstone.post_id)
                          .where(Post.permalink == permalink))


def refuse_purged(session: DbSession, post: Post) -> None:
    """A purged post has nothing left to redact or purge again."""
    if tombstone_of(session, post.id) is not None:
        raise TakedownRejected("This post was purged; nothing of it is left.")
