"""Redaction, author takedown (pseudonymisation) and purge.

Removed text is taken out of the stored columns themselves, so nothing that
reads them (pages, search, feeds, exports, the API) can show it.  Each
column's value is always its original (`FieldOriginal`, admins only) with the
active `ContentChange`s applied, so changes can be reverted in any order: a
revert marks the change reverted and rebuilds the columns it touched.  A
purge is the one step that cannot be undone: it blanks the post, forgets its
originals and source, and leaves a tombstone.

This module is the door: redactions, holding changes over new posts,
reverting, and what the moderator page shows.  The rest sits beside it, and
callers import it from there: author takedowns (`takedown_authors`), purges
(`takedown_purge`), the column rewriting they share (`takedown_rewrite`),
their reasons (`takedown_reasons`) and the log as shown (`takedown_log`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from forum.extensions import DbSession
from forum.models import Author, ChangedPost, ContentChange, Post, Tombstone, User
from forum.permissions import AUTHOR_TAKEDOWN, POST_REDACT, require
from forum.search.sync import reindex_later
from forum.services.audit import record, utcnow
from forum.services.takedown_authors import posts_by
from forum.services.takedown_purge import refuse_purged, tombstone_of
from forum.services.takedown_reasons import (
    MIN_REDACTION,
    PURGE_REASONS,
    REDACT_REASONS,
    TAKEDOWN_REASONS,
    TakedownRejected,
)
from forum.services.takedown_rewrite import (
    apply_change,
    is_own,
    new_change,
    original_holds,
    originals_of,
    rebuild,
    replacements_of,
)
from forum.text.markup import post_plain_text
from forum.text.scrub import REDACTED, Replacement

__all__ = [
    "PostTakedowns", "changed_post_ids", "changes_on", "hold_changes",
    "post_takedowns", "redact_post", "revert_change",
]


def redact_post(session: DbSession, actor: User, post: Post, removed: str,
                reason: str, why: str = "", thread_wide: bool = False
                ) -> ContentChange:
    """Replace every occurrence of `removed` in the post (and, if asked, in the
    thread's other posts, where replies quote it) with a marker."""
    require(actor, POST_REDACT)
    removed = " ".join(removed.split())
    if len(removed) < MIN_REDACTION:
        raise TakedownRejected(
            f"Select the text to redact (at least {MIN_REDACTION} characters).")
    if reason not in REDACT_REASONS:
        raise TakedownRejected("Choose a reason for the redaction.")
    refuse_purged(session, post)
    found = Replacement(removed, REDACTED)
    if not original_holds(session, post, [found]):
        raise TakedownRejected("That text is not in this post.")
    posts = [post]
    if thread_wide:
        posts += [other for other in _thread_posts(session, post)
                  if original_holds(session, other, [found])]
    change = new_change(session, actor, "redact", {"text": removed}, REDACTED,
                        reason, why, post_id=post.id, thread_wide=thread_wide)
    apply_change(session, change, [p.id for p in posts])
    record(session, actor, "post.redact", target_type="content_change",
           target_id=change.id, post_id=post.id, reason=reason, why=why,
           after={"marker": REDACTED, "posts": len(posts),
                  "thread_wide": thread_wide})
    return change


def _thread_posts(session: DbSession, post: Post) -> list[Post]:
    return list(session.scalars(select(Post).where(
        Post.thread_id == post.thread_id, Post.id != post.id,
        Post.is_ghost.is_(False)).order_by(Post.thread_order)))


# -- later imports -----------------------------------------------------------------


def hold_changes(session: DbSession, post_ids: Iterable[int]) -> int:
    """Apply active takedowns and thread-wide redactions to newly imported posts.

    A takedown holds for what comes later: a reply imported next month that
    quotes "Mark London wrote:" is scrubbed before it is committed or indexed.
    """
    changes = list(session.scalars(select(ContentChange).where(
        ContentChange.reverted_at.is_(None),
        or_(ContentChange.kind == "pseudonymise", ContentChange.thread_wide))))
    if not changes:
        return 0
    posts = list(session.scalars(select(Post).where(
        Post.id.in_(list(post_ids)), Post.is_ghost.is_(False))))
    threads: dict[int, int] = dict(session.execute(
        select(Post.id, Post.thread_id).where(
            Post.id.in_([c.post_id for c in changes if c.post_id]))).tuples().all())
    touched: set[int] = set()
    for change in changes:
        scrub = replacements_of(change)
        for post in posts:
            thread = threads.get(change.post_id) if change.post_id else None
            if change.kind == "redact" and post.thread_id != thread:
                continue
            if (is_own(change, post) or _holds_now(post, scrub)) and session.get(
                    ChangedPost, (change.id, post.id)) is None:
                session.add(ChangedPost(change_id=change.id, post_id=post.id))
                touched.add(post.id)
    session.flush()
    rebuild(session, touched)
    return len(touched)


def _holds_now(post: Post, scrub: list[Replacement]) -> bool:
    texts = (post.subject, post.body_text, post.parent_evidence,
             post_plain_text(None, post.body_html) if post.body_html else "")
    return any(found.found_in(text) for found in scrub for text in texts if text)


# -- reverting ---------------------------------------------------------------------


def revert_change(session: DbSession, actor: User, change: ContentChange,
                  why: str) -> None:
    """Undo a redaction or a takedown: the columns it touched are rebuilt."""
    require(actor, POST_REDACT if change.kind == "redact" else AUTHOR_TAKEDOWN)
    if not change.active:
        raise TakedownRejected("This change is already reverted.")
    if not why.strip():
        raise TakedownRejected("Say why the change is undone.")
    change.reverted_at, change.reverted_by_id = utcnow(), actor.id
    post_ids = changed_post_ids(session, change)
    if change.kind == "pseudonymise":
        author = session.get_one(Author, change.author_id)
        author.name = change.removed.get("name") or ""
        author.email = change.removed.get("email")
        author.masked_email = change.removed.get("masked_email")
        reindex_later(session, posts_by(session, author))
    rebuild(session, post_ids)
    action = "post.unredact" if change.kind == "redact" else "author.restore"
    record(session, actor, action, target_type="content_change",
           target_id=change.id, post_id=change.post_id, why=why,
           after={"posts": len(post_ids)})


def changed_post_ids(session: DbSession, change: ContentChange) -> list[int]:
    return list(session.scalars(select(ChangedPost.post_id).where(
        ChangedPost.change_id == change.id)))


def changes_on(session: DbSession, post: Post) -> list[ContentChange]:
    """Every redaction and takedown that touched this post, newest first."""
    return list(session.scalars(
        select(ContentChange).join(ChangedPost,
                                   ChangedPost.change_id == ContentChange.id)
        .where(ChangedPost.post_id == post.id).order_by(ContentChange.id.desc())))


# -- what the moderator page shows -------------------------------------------------


@dataclass
class PostTakedowns:
    """A post's redactions and takedowns, its tombstone, and (admins) originals."""

    changes: list[ContentChange]
    tombstone: Tombstone | None
    originals: dict[str, str | None]
    redact_reasons: dict[str, str] = field(default_factory=lambda: REDACT_REASONS)
    takedown_reasons: dict[str, str] = field(default_factory=lambda: TAKEDOWN_REASONS)
    purge_reasons: dict[str, str] = field(default_factory=lambda: PURGE_REASONS)


def post_takedowns(session: DbSession, post: Post, with_originals: bool
                   ) -> PostTakedowns:
    return PostTakedowns(changes=changes_on(session, post),
                         tombstone=tombstone_of(session, post.id),
                         originals=originals_of(session, post) if with_originals
                         else {})
