"""Moderator thread tools: move a post, split a thread, merge two threads.

Page imports (Google Groups copies, hypermail) carry no References, so their
reply trees are guesses with a confidence; these tools let a moderator fix
them.  Each tool moves posts by changing `thread_id`/`parent_id` on the ORM
rows (so the search index re-indexes them after the commit: a document carries
its thread), then recomputes order, depth, counts and listings of every thread
it touched with `refresh_threads`, and recounts the groups those threads are
or were listed in.  A thread left with no posts is deleted, as the importer
does when two threads turn out to be one, so it leaves every listing.

A parent set here gets confidence 1.0 and a note instead of the importer's
evidence: a moderator's decision is the best evidence there is, and readers
are told who placed the reply (a moderator) rather than what it quotes.

Audit entries hold ids, permalinks and confidences, enough to put a post back
with `reattach`, but never the importer's evidence text: it quotes the parent
(attribution lines, names), and the log is append-only, so it must not keep
words a redaction may later have to remove.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select

from forum.errors import ForumError, NotFound
from forum.extensions import DbSession
from forum.models import Post, Thread, ThreadGroup, User
from forum.permissions import THREAD_EDIT, require
from forum.services.audit import record, utcnow
from forum.services.counters import refresh_group
from forum.services.threading import refresh_threads

logger = logging.getLogger(__name__)
# The importer's guesses from an attribution line alone top out at 0.65
# (importers/reconstruct.py); below this no quoted text confirmed the parent.
LOW_CONFIDENCE = 0.7
MODERATOR_CONFIDENCE = 1.0
MODERATOR_EVIDENCE = "placed here by a moderator on {day:%Y-%m-%d}"
MODERATOR_MARK = "placed here by a moderator"


class ThreadEditRejected(ForumError):
    """A move, split or merge cannot be done as asked; the message says why."""


@dataclass(slots=True)
class ParentInfo:
    """What the moderator page says about a post's place in its thread."""

    thread: Thread
    parent: Post | None
    parent_is_ghost: bool
    confidence: float | None
    evidence: str | None
    replies: int  # posts below this one, all levels

    @property
    def set_by_moderator(self) -> bool:
        return bool(self.evidence and self.evidence.startswith(MODERATOR_MARK))

    @property
    def inferred(self) -> bool:
        """The importer guessed the parent (no References named it)."""
        return self.confidence is not None and not self.set_by_moderator

    @property
    def low(self) -> bool:
        return (self.inferred and self.confidence is not None
                and self.confidence < LOW_CONFIDENCE)

    @property
    def can_split(self) -> bool:
        return self.parent is not None or self.parent_is_ghost


def is_low_confidence(post: Post) -> bool:
    """An importer's guess weak enough that a moderator should look at it."""
    confidence = post.parent_confidence
    evidence = post.parent_evidence or ""
    return (confidence is not None and confidence < LOW_CONFIDENCE
            and not evidence.startswith(MODERATOR_MARK))


def parent_info(session: DbSession, post: Post) -> ParentInfo:
    """The post's parent, how sure the archive is of it, and its replies' count."""
    parent = session.get(Post, post.parent_id) if post.parent_id else None
    ghost = parent is not None and parent.is_ghost
    return ParentInfo(
        thread=session.get_one(Thread, post.thread_id),
        parent=None if ghost else parent, parent_is_ghost=ghost,
        confidence=post.parent_confidence, evidence=post.parent_evidence,
        replies=len(_subtree_ids(session, post)) - 1)


def find_thread(session: DbSession, thread_id: int) -> Thread:
    """A thread with at least one stored post, or NotFound."""
    thread = session.get(Thread, thread_id)
    if thread is None or thread.root_post_id is None:
        raise NotFound(f"There is no thread {thread_id} in the archive.")
    return thread


def reattach(session: DbSession, actor: User, post: Post, new_parent: Post,
             why: str = "") -> list[Post]:
    """Move `post` and every reply below it under `new_parent`, in any thread.

    Refuses a parent inside the moved subtree (a loop) and the current parent.
    Returns the moved posts.
    """
    require(actor, THREAD_EDIT)
    _check_movable(post)
    if new_parent.is_ghost:
        raise ThreadEditRejected("The new parent must be a message in the archive.")
    moved = _subtree(session, post)
    if new_parent.id in {p.id for p in moved}:
        raise ThreadEditRejected(
            "A post cannot reply to itself or to one of its own replies.")
    if new_parent.id == post.parent_id:
        raise ThreadEditRejected("The post already replies to that message.")
    before = _place(session, post)
    threads = {post.thread_id, new_parent.thread_id}
    groups = _listed_groups(session, threads)
    _set_parent(post, new_parent)
    _move(moved, new_parent.thread_id)
    emptied = _settle(session, threads, groups)
    after = {**_place(session, post), "moved_posts": len(moved),
             "deleted_thread": emptied[0] if emptied else None}
    record(session, actor, "post.reattach", target_type="post", target_id=post.id,
           post_id=post.id, why=why.strip(), before=before, after=after)
    logger.info("%s moved post %s (%d posts) under post %s", actor.name, post.id,
                len(moved), new_parent.id)
    return moved


def split(session: DbSession, actor: User, post: Post, why: str = "") -> Thread:
    """Make `post` and its replies a thread of their own (subject from the post).

    Refuses when nothing else of the thread would be left behind.
    """
    require(actor, THREAD_EDIT)
    _check_movable(post)
    moved = _subtree(session, post)
    moved_ids = {p.id for p in moved}
    left = session.scalar(select(func.count(Post.id)).where(
        Post.thread_id == post.thread_id, Post.is_ghost.is_(False),
        Post.id.not_in(moved_ids)))
    if not left:
        raise ThreadEditRejected(
            "This post and its replies are the whole thread: nothing to split off.")
    before = _place(session, post)
    thread = Thread(subject=post.subject, post_count=0)
    session.add(thread)
    session.flush()
    threads = {post.thread_id, thread.id}
    groups = _listed_groups(session, threads)
    post.parent_id = post.parent_confidence = post.parent_evidence = None
    _move(moved, thread.id)
    _settle(session, threads, groups)
    record(session, actor, "thread.split", target_type="post", target_id=post.id,
           post_id=post.id, why=why.strip(), before=before,
           after={**_place(session, post), "moved_posts": len(moved)})
    logger.info("%s split post %s (%d posts) into thread %s", actor.name, post.id,
                len(moved), thread.id)
    return thread


def merge(session: DbSession, actor: User, thread: Thread, into_thread: Thread,
          why: str = "") -> list[Post]:
    """Move every post of `thread` into `into_thread`, then delete `thread`.

    The merged thread's top posts (usually its one root; every post without a
    parent) become replies to the target's root: the usual cause is a reply
    that lost its References and started a thread of its own, and a moderator
    can then move it to the exact message with `reattach`.  Where the target's
    root is a ghost, they sit beside the other replies to the missing message.
    The emptied thread is deleted, as the importer does with threads that turn
    out to be one.
    Returns the posts that were given a parent.
    """
    require(actor, THREAD_EDIT)
    if thread.id == into_thread.id:
        raise ThreadEditRejected("A thread cannot be merged into itself.")
    target = session.get(Post, into_thread.root_post_id) \
        if into_thread.root_post_id else None
    if target is None:
        raise ThreadEditRejected(f"Thread {into_thread.id} has no posts to merge into.")
    posts = list(session.scalars(select(Post).where(Post.thread_id == thread.id)))
    if not posts:
        raise ThreadEditRejected(f"Thread {thread.id} has no posts to merge.")
    tops = [p for p in posts if p.parent_id is None]
    old, into, root = thread.id, into_thread.id, thread.root_post_id
    before = {"thread_id": old, "root_post_id": root, "posts": len(posts),
              "top_post_ids": [p.id for p in tops]}
    threads = {old, into}
    groups = _listed_groups(session, threads)
    for post in tops:
        _set_parent(post, target)
    _move(posts, into)
    _settle(session, threads, groups)
    record(session, actor, "thread.merge", target_type="thread", target_id=old,
           post_id=root, why=why.strip(), before=before,
           after={"thread_id": into, "parent_id": target.id,
                  "parent_permalink": target.permalink, "deleted_thread": old})
    logger.info("%s merged thread %s (%d posts) into thread %s", actor.name, old,
                len(posts), into)
    return tops


def confirm_parent(session: DbSession, actor: User, post: Post, why: str = "") -> None:
    """A moderator agrees with the importer's guess: it stops being a guess."""
    require(actor, THREAD_EDIT)
    info = parent_info(session, post)
    if info.parent is None or not info.inferred:
        raise ThreadEditRejected(
            "Only a parent the importer inferred can be confirmed.")
    before = _place(session, post)
    _set_parent(post, info.parent)
    session.flush()
    record(session, actor, "post.confirm_parent", target_type="post",
           target_id=post.id, post_id=post.id, why=why.strip(), before=before,
           after=_place(session, post))


# -- helpers -----------------------------------------------------------------------


def _check_movable(post: Post) -> None:
    if post.is_ghost:
        raise ThreadEditRejected("Only a message in the archive can be moved.")


def _subtree(session: DbSession, post: Post) -> list[Post]:
    """`post` and every post below it (its replies, theirs, ...), post first."""
    ids = _subtree_ids(session, post)
    loaded = {p.id: p for p in session.scalars(select(Post).where(Post.id.in_(ids)))}
    return [loaded[i] for i in ids]


def _subtree_ids(session: DbSession, post: Post) -> list[int]:
    rows = session.execute(select(Post.id, Post.parent_id)
                           .where(Post.thread_id == post.thread_id)).all()
    children: dict[int, list[int]] = defaultdict(list)
    for post_id, parent_id in rows:
        if parent_id is not None:
            children[parent_id].append(post_id)
    ids, stack, seen = [], [post.id], set()
    while stack:  # `seen` guards against a stored loop, which must not hang
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        ids.append(node)
        stack.extend(children.get(node, ()))
    return ids


def _set_parent(post: Post, parent: Post) -> None:
    post.parent_id = parent.id
    post.parent_confidence = MODERATOR_CONFIDENCE
    post.parent_evidence = MODERATOR_EVIDENCE.format(day=utcnow())


def _move(posts: Iterable[Post], thread_id: int) -> None:
    for post in posts:
        post.thread_id = thread_id


def _place(session: DbSession, post: Post) -> dict[str, Any]:
    """Where a post hangs, for an audit entry's before/after (no post text)."""
    parent = session.get(Post, post.parent_id) if post.parent_id else None
    return {"thread_id": post.thread_id, "parent_id": post.parent_id,
            "parent_permalink": parent.permalink if parent else None,
            "parent_confidence": post.parent_confidence}


def _settle(session: DbSession, thread_ids: set[int], groups: set[int]) -> list[int]:
    """After a move: delete emptied threads, refresh the rest and their groups.

    `groups` are the groups the threads were listed in before the move; a
    group may lose a thread or gain one.  Returns the deleted threads' ids.
    """
    session.flush()
    populated = set(session.scalars(select(Post.thread_id).where(
        Post.thread_id.in_(thread_ids)).distinct()))
    emptied = sorted(thread_ids - populated)
    if emptied:
        session.execute(delete(ThreadGroup).where(ThreadGroup.thread_id.in_(emptied)))
        session.execute(delete(Thread).where(Thread.id.in_(emptied)))
    refresh_threads(session, populated)
    for group_id in sorted(groups | _listed_groups(session, populated)):
        refresh_group(session, group_id)
    # refresh_threads wrote order, depth and summaries with Core statements.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, (Post, Thread)):
            session.expire(obj)
    return emptied


def _listed_groups(session: DbSession, thread_ids: set[int]) -> set[int]:
    return set(session.scalars(select(ThreadGroup.group_id).where(
        ThreadGroup.thread_id.in_(thread_ids)).distinct()))
