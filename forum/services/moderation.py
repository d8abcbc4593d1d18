"""Hiding and restoring posts, and reader flags.

Hiding is soft (`Post.is_hidden`): every public surface already filters on
it, the index drops the post after the commit, and moderators still see it.
The counts listings show (thread and group post counts, last-post dates,
author post counts) are of visible posts, so both directions recount them.
The reason and who hid it live in the audit log, which is the record.  A post
with enough pending reader flags is hidden automatically, pending review, as
an audited system action.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from forum.errors import ForumError
from forum.extensions import DbSession
from forum.models import AuditEntry, Flag, Post, User
from forum.permissions import FLAG_RESOLVE, POST_HIDE, require
from forum.services.audit import record, utcnow
from forum.services.counters import refresh_after_visibility_change
from forum.text.masking import mask_addresses

logger = logging.getLogger(__name__)
FLAG_REASONS = {
    "misinformation": "Health misinformation",
    "personal_information": "Personal information (address, phone, ...)",
    "harassment": "Harassment or abuse",
    "spam": "Spam or advertising",
    "other": "Something else",
}
HIDE_REASONS = {
    "flags": "Reader flags, pending review",
    "personal_information": "Personal information",
    "harassment": "Harassment or abuse",
    "spam": "Spam",
    "legal": "Legal request",
    "author_request": "Author's request",
    "other": "Other",
}
MAX_FLAG_TEXT = 1000
FLAG_WINDOW = timedelta(hours=1)


class ModerationRejected(ForumError):
    """A hide, restore or flag cannot be done as asked; the message says why."""


class FlagThrottled(ForumError):
    """This client has flagged too much lately."""


def hide_post(session: DbSession, actor: User, post: Post, reason: str,
              why: str = "") -> None:
    """A moderator hides a post from every public surface, with a reason."""
    require(actor, POST_HIDE)
    if reason not in HIDE_REASONS:
        raise ModerationRejected("Choose a reason for hiding the post.")
    _hide(session, actor, post, reason, why)


def _hide(session: DbSession, actor: User | None, post: Post, reason: str,
          why: str) -> None:
    if post.is_hidden:
        raise ModerationRejected("This post is already hidden.")
    post.is_hidden = True
    refresh_after_visibility_change(session, [post])
    record(session, actor, "post.hide", target_type="post", target_id=post.id,
           post_id=post.id, reason=reason, why=why, before={"hidden": False},
           after={"hidden": True})


def restore_post(session: DbSession, actor: User, post: Post, why: str) -> None:
    """Show a hidden post again; the reason is required."""
    require(actor, POST_HIDE)
    if not post.is_hidden:
        raise ModerationRejected("This post is not hidden.")
    if not why.strip():
        raise ModerationRejected("Say why the post is shown again.")
    post.is_hidden = False
    refresh_after_visibility_change(session, [post])
    record(session, actor, "post.restore", target_type="post", target_id=post.id,
           post_id=post.id, why=why, before={"hidden": True},
           after={"hidden": False})


def hiding_entry(session: DbSession, post: Post) -> AuditEntry | None:
    """The audit entry that hid this post (who, when, why), if it is hidden."""
    if not post.is_hidden:
        return None
    return session.scalar(
        select(AuditEntry).where(AuditEntry.post_id == post.id,
                                 AuditEntry.action == "post.hide")
        .order_by(AuditEntry.id.desc()).limit(1))


# -- reader flags ------------------------------------------------------------------


def client_key(address: str, secret: str) -> str:
    """A keyed hash of a reader's address: enough to rate-limit, never to reveal."""
    return hashlib.sha256(f"{secret}\x1f{address}".encode()).hexdigest()[:32]


def flag_post(session: DbSession, post: Post, reason: str, text: str, client: str, *,
              per_hour: int, hide_at: int) -> Flag:
    """A reader flags a post; enough pending flags hide it pending review."""
    if reason not in FLAG_REASONS:
        raise ModerationRejected("Choose a reason from the list.")
    if len(text) > MAX_FLAG_TEXT:
        raise ModerationRejected(f"Keep the note under {MAX_FLAG_TEXT} characters.")
    recent = session.scalar(select(func.count(Flag.id)).where(
        Flag.client == client, Flag.created_at >= utcnow() - FLAG_WINDOW)) or 0
    if recent >= per_hour:
        raise FlagThrottled("You have flagged several posts in the last hour. "
                            "Please try again later.")
    flag = Flag(post_id=post.id, reason=reason, text=text.strip(), client=client,
                created_at=utcnow(), status="pending")
    session.add(flag)
    session.flush()
    pending = pending_flag_count(session, post.id)
    if hide_at and pending >= hide_at and not post.is_hidden:
        _hide(session, None, post, "flags",
              f"{pending} reader flags pending review")
        logger.info("post %s hidden automatically after %d flags", post.id, pending)
    return flag


def pending_flag_count(session: DbSession, post_id: int) -> int:
    return session.scalar(select(func.count(Flag.id)).where(
        Flag.post_id == post_id, Flag.status == "pending")) or 0


def resolve_flag(session: DbSession, actor: User, flag: Flag, outcome: str,
                 note: str = "") -> Flag:
    """Agree, disagree or ignore; the outcome is kept and audited."""
    require(actor, FLAG_RESOLVE)
    if outcome not in ("agreed", "disagreed", "ignored"):
        raise ModerationRejected("The outcome is agreed, disagreed or ignored.")
    if flag.status != "pending":
        raise ModerationRejected("This flag is already resolved.")
    flag.status, flag.outcome = outcome, note.strip()[:MAX_FLAG_TEXT]
    flag.resolved_by_id, flag.resolved_at = actor.id, utcnow()
    session.flush()
    record(session, actor, "flag.resolve", target_type="flag", target_id=flag.id,
           post_id=flag.post_id, reason=outcome, why=note,
           before={"status": "pending", "reason": flag.reason},
           after={"status": outcome})
    return flag


@dataclass(frozen=True, slots=True)
class ShownFlag:
    """A flag as moderators see it; a copy, so masking never reaches the row."""

    id: int
    created_at: datetime
    reason: str
    text: str
    status: str
    resolved_by: User | None
    outcome: str


def flags_on(session: DbSession, post_id: int) -> list[ShownFlag]:
    """A post's flags, pending first, with addresses in their free text masked.

    Readers type anything into a flag (their own address, the author's) and
    outcome notes may quote it: like every text shown, both are masked.
    """
    flags = session.scalars(select(Flag).where(Flag.post_id == post_id)
                            .order_by(Flag.status != "pending", Flag.id))
    return [ShownFlag(flag.id, flag.created_at, flag.reason,
                      mask_addresses(flag.text), flag.status, flag.resolved_by,
                      mask_addresses(flag.outcome)) for flag in flags]


def flagged_posts(session: DbSession, limit: int = 50) -> list[tuple[Post, int]]:
    """Posts with pending flags, most flags first (the queue's top)."""
    count = func.count(Flag.id).label("n")
    waiting = (select(Flag.post_id, count).where(Flag.status == "pending")
               .group_by(Flag.post_id).subquery())
    rows = session.execute(
        select(Post, waiting.c.n).join(waiting, waiting.c.post_id == Post.id)
        .order_by(waiting.c.n.desc(), Post.id).limit(limit))
    return [(post, n) for post, n in rows]
