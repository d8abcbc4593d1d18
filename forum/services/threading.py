"""Thread shape: stored order and depth, thread summaries, subject keys.

Threads are recomputed whole whenever a post joins, leaves or moves, so a
thread page is one ordered query (`thread_id, thread_order`) and never a
recursive walk at read time.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, update

from forum.extensions import DbSession
from forum.models import Post, PostGroup, Thread, ThreadGroup

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


def _sort_key(node: TreeNode) -> tuple:
    return (node.date is None, node.date or datetime.min, node.id)


def _walk(start, children, visited, result) -> None:
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
    thread_ids = sorted(set(thread_ids))
    for start in range(0, len(thread_ids), 500):
        _refresh_chunk(session, thread_ids[start : start + 500])


def _refresh_chunk(session: DbSession, thread_ids: list[int]) -> None:
    rows = session.execute(
        select(
            Post.id, Post.thread_id, Post.parent_id, Post.date, Post.is_ghost,
            Post.is_hidden, Post.depth, Post.thread_order,
        ).where(Post.thread_id.in_(thread_ids))
    ).all()
    by_thread: dict[int, list] = defaultdict(list)
    for row in rows:
        by_thread[row.thread_id].append(row)
    groups = _groups_of(session, [r.id for r in rows])
    post_updates, orders = [], {}
    for thread_id in thread_ids:
        orders[thread_id] = _reorder(by_thread.get(thread_id, []), post_updates)
    # Subjects only of the posts that give threads theirs, not of every post.
    subjects = _subjects(session, [first.id for ordered in orders.values()
                                   if (first := _first_real(ordered))])
    thread_updates, listings = [], []
    for thread_id, ordered in orders.items():
        thread_updates.append(_summary(thread_id, ordered, subjects))
        listings.extend(_listings(thread_id, ordered, groups))
    _write(session, thread_ids, post_updates, thread_updates, listings)


def _groups_of(session: DbSession, post_ids: list[int]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = defaultdict(list)
    for start in range(0, len(post_ids), 2000):
        chunk = post_ids[start : start + 2000]
        for post_id, group_id in session.execute(
            select(PostGroup.post_id, PostGroup.group_id).where(
                PostGroup.post_id.in_(chunk)
            )
        ):
            groups[post_id].append(group_id)
    return groups


def _reorder(posts: list, post_updates: list) -> list:
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


def _first_real(ordered: list):
    return next((p for p in ordered if not p.is_ghost), None)


def _subjects(session: DbSession, post_ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(post_ids), 500):
        found.update(session.execute(select(Post.id, Post.subject).where(
            Post.id.in_(post_ids[start:start + 500]))).all())
    return found


def _summary(thread_id: int, ordered: list, subjects: dict[int, str]) -> dict:
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


def _listings(thread_id: int, ordered: list, groups: dict) -> list[dict]:
    per_group: dict[int, list] = defaultdict(list)
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


def _write(session, thread_ids, post_updates, thread_updates, listings) -> None:
    if post_updates:
        session.execute(
            update(Post.__table__)
            .where(Post.__table__.c.id == bindparam("pid"))
            .values(thread_order=bindparam("o"), depth=bindparam("d")),
            post_updates,
        )
    session.execute(
        update(Thread.__table__)
        .where(Thread.__table__.c.id == bindparam("tid"))
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
        session.execute(insert(ThreadGroup.__table__), listings)
