"""Thread shape: stored order and depth, thread summaries, subject keys.

Threads are recomputed whole whenever a post joins, leaves or moves, so a
thread page is one ordered query (`thread_id, thread_order`) and never a
recursive walk at read time.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, insert, select, update

from forum.extensions import DbSession
from forum.models import Post, PostGroup, Thread, ThreadGroup
from forum.services.sql_chunks import chunks, table_of

# A post of a thread being refreshed: id, thread_id, parent_id, date, is_ghost,
# is_hidden, depth, thread_order.
Outline = Row[tuple[int, int, int | None, datetime | None, bool, bool, int, int]]

_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|antw|sv|fw|fwd|wg|tr|r|rif|答复|回复|转发)\s*(?:\[\d+\])?\s*[:：]"
    r"|\[[^\]]{1,40}\])\s*",
    re.IGNORECASE,
)


def subject_key(subject: str) -> str:
    """A subject without reply/forward prefixes and list tags, for grouping."""
    text = subject or ""
    while True:
        stripped = _PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return " ".join(text.lower().split())[:255]


@dataclass(slots=True)
class TreeNode:
    id: int
    parent_id: int | None
    date: datetime | None
    is_ghost: bool


def order_tree(nodes: Iterable[TreeNode]) -> list[tuple[int, int, int]]:
    """Depth-first order of a thread: (post id, order, depth), children by date.

    Parents outside the set are treated as absent (the node becomes a root), and
    a cycle can never hang the walk: every node is visited exactly once.
    """
    nodes = list(nodes)
    ids = {n.id for n in nodes}
    children: dict[int | None, list[TreeNode]] = defaultdict(list)
    for node in nodes:
        parent = node.parent_id if node.parent_id in ids else None
        children[parent].append(node)
    for siblings in children.values():
        siblings.sort(key=_sort_key)
    result: list[tuple[int, int, int]] = []
    visited: set[int] = set()
    roots = list(children[None])
    # Nodes trapped in a cycle have no root; start from the oldest of them.
    leftovers = sorted((n for n in nodes), key=_sort_key)
    for start in [*roots, *leftovers]:
        _walk(start, children, visited, result)
    return result


def _sort_key(node: TreeNode) -> tuple[bool, datetime, int]:
    return (node.date is None, node.date or datetime.min, node.id)


def _walk(start: TreeNode, children: dict[int | None, list[TreeNode]],
          visited: set[int], result: list[tuple[int, int, int]]) -> None:
    stack = [(start, 0)]
    while stack:
        node, depth = stack.pop()
        if node.id in visited:
            continue
        visited.add(node.id)
        result.append((node.id, len(result), depth))
        for child in reversed(children.get(node.id, [])):
            if child.id not in visited:
                stack.append((child, depth + 1))


def refresh_threads(session: DbSession, thread_ids: Iterable[int]) -> None:
    """Recompute order, depth, counts and per-group listings of these threads."""
    for chunk in chunks(sorted(set(thread_ids))):
        _refresh_chunk(session, chunk)


def _refresh_chunk(session: DbSession, thread_ids: Sequence[int]) -> None:
    rows = session.execute(
        select(
            Post.id, Post.thread_id, Post.parent_id, Post.date, Post.is_ghost,
            Post.is_hidden, Post.depth, Post.thread_order,
        ).where(Post.thread_id.in_(thread_ids))
    ).all()
    by_thread: dict[int, list[Outline]] = defaultdict(list)
    for row in rows:
        by_thread[row.thread_id].append(row)
    groups = _groups_of(session, [r.id for r in rows])
    post_updates: list[dict[str, int]] = []
    orders: dict[int, list[Outline]] = {}
    for thread_id in thread_ids:
        orders[thread_id] = _reorder(by_thread.get(thread_id, []), post_updates)
    # Subjects only of the posts that give threads theirs, not of every post.
    subjects = _subjects(session, [first.id for ordered in orders.values()
                                   if (first := _first_real(ordered))])
    thread_updates: list[dict[str, Any]] = []
    listings: list[dict[str, Any]] = []
    for thread_id, ordered in orders.items():
        thread_updates.append(_summary(thread_id, ordered, subjects))
        listings.extend(_listings(thread_id, ordered, groups))
    _write(session, thread_ids, post_updates, thread_updates, listings)


def _groups_of(session: DbSession, post_ids: list[int]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = defaultdict(list)
    for chunk in chunks(post_ids, 2000):
        for post_id, group_id in session.execute(
            select(PostGroup.post_id, PostGroup.group_id).where(
                PostGroup.post_id.in_(chunk)
            )
        ):
            groups[post_id].append(group_id)
    return groups


def _reorder(posts: list[Outline],
             post_updates: list[dict[str, int]]) -> list[Outline]:
    """Posts of one thread in stored order; collects rows whose order changed."""
    by_id = {p.id: p for p in posts}
    nodes = [TreeNode(p.id, p.parent_id, p.date, p.is_ghost) for p in posts]
    ordered = []
    for post_id, order, depth in order_tree(nodes):
        post = by_id[post_id]
        if post.thread_order != order or post.depth != depth:
            post_updates.append({"pid": post_id, "o": order, "d": depth})
        ordered.append(post)
    return ordered


def _first_real(ordered: list[Outline]) -> Outline | None:
    return next((p for p in ordered if not p.is_ghost), None)


def _subjects(session: DbSession, post_ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for chunk in chunks(post_ids):
        found.update((post_id, subject) for post_id, subject in session.execute(
            select(Post.id, Post.subject).where(Post.id.in_(chunk))))
    return found


def _summary(thread_id: int, ordered: list[Outline],
             subjects: dict[int, str]) -> dict[str, Any]:
    real = [p for p in ordered if not p.is_ghost and not p.is_hidden]
    dates = [p.date for p in real if p.date]
    first_real = _first_real(ordered)
    subject = subjects.get(first_real.id, "") if first_real else ""
    return {
        "tid": thread_id,
        "subject": subject,
        "subject_key": subject_key(subject),
        "root_post_id": ordered[0].id if ordered else None,
        "post_count": len(real),
        "first_post_at": min(dates) if dates else None,
        "last_post_at": max(dates) if dates else None,
    }


def _listings(thread_id: int, ordered: list[Outline],
              groups: dict[int, list[int]]) -> list[dict[str, Any]]:
    per_group: dict[int, list[datetime | None]] = defaultdict(list)
    for post in ordered:
        if post.is_ghost or post.is_hidden:
            continue
        for group_id in groups.get(post.id, []):
            per_group[group_id].append(post.date)
    return [
        {
            "thread_id": thread_id,
            "group_id": group_id,
            "post_count": len(dates),
            "last_post_at": max((d for d in dates if d), default=None),
        }
        for group_id, dates in per_group.items()
    ]


def _write(session: DbSession, thread_ids: Sequence[int],
           post_updates: list[dict[str, int]], thread_updates: list[dict[str, Any]],
           listings: list[dict[str, Any]]) -> None:
    posts, threads = table_of(Post), table_of(Thread)
    if post_updates:
        session.execute(
            update(posts)
            .where(posts.c.id == bindparam("pid"))
            .values(thread_order=bindparam("o"), depth=bindparam("d")),
            post_updates,
        )
    session.execute(
        update(threads)
        .where(threads.c.id == bindparam("tid"))
        .values(
            subject=bindparam("subject"),
            subject_key=bindparam("subject_key"),
            root_post_id=bindparam("root_post_id"),
            post_count=bindparam("post_count"),
            first_post_at=bindparam("first_post_at"),
            last_post_at=bindparam("last_post_at"),
        ),
        thread_updates,
    )
    session.execute(delete(ThreadGroup).where(ThreadGroup.thread_id.in_(thread_ids)))
    if listings:
        session.execute(insert(table_of(ThreadGroup)), listings)
