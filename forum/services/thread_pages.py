"""A thread shown a page at a time, cut where subtrees end.

A real thread runs to hundreds of posts (1,500 in the benchmark corpus): one
page of all of them took 1.3 s and grew to tens of thousands of pixels on a
phone.  The thread's outline (ids, parents, depths, order, visibility, date:
no bodies) is small, so it is read whole and decides everything a page
needs: which placeholders the tree keeps, where pages are cut, where a post
is, what a reply's parent is.  Full rows are then loaded for one page only.

The nested view cuts a page, where it can, where a subtree has ended in the
second half of the page, so a reply and its answers stay together; the
chronological view cuts every `size` posts.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from forum.errors import NotFound
from forum.extensions import db
from forum.models import Author, Post, Thread
from forum.services.archive_threads import ThreadEntry
from forum.services.pagination import Page
from forum.services.visibility import (
    LISTING_ONLY,
    MISSING,
    UNAVAILABLE,
    ids_with_visible_subtree,
)

VIEWS = ("tree", "flat")


@dataclass(slots=True)
class Node:
    """One post of a thread's outline."""

    id: int
    parent_id: int | None
    depth: int
    order: int
    hidden: bool
    ghost: bool
    date: datetime | None
    permalink: str
    author: str | None  # the name the post was signed with

    @property
    def visible(self) -> bool:
        return not (self.hidden or self.ghost)

    @property
    def placeholder(self) -> str | None:
        if self.visible:
            return None
        return MISSING if self.ghost else UNAVAILABLE

    @property
    def public_permalink(self) -> str | None:
        """A hidden post's permalink is never handed out, not even to a link."""
        return None if self.hidden else self.permalink


@dataclass(slots=True)
class ThreadPage:
    """One page of a thread: its entries, the pager, and where it sits."""

    entries: list[ThreadEntry]
    pager: Page
    view: str
    posts: int  # visible posts in the whole thread
    first_number: int  # position of the page's first visible post (1-based)
    last_number: int
    first_post: Post | None = None  # the thread's first visible post (its title)


def outline(thread: Thread) -> list[Node]:
    """Every post of the thread in tree order, without bodies."""
    rows = db.session.execute(
        select(Post.id, Post.parent_id, Post.depth, Post.thread_order,
               Post.is_hidden, Post.is_ghost, Post.date, Post.permalink,
               func.coalesce(Post.author_name, Author.name))
        .outerjoin(Author, Author.id == Post.author_id)
        .where(Post.thread_id == thread.id)
        .order_by(Post.thread_order, Post.id))
    return [Node(*row) for row in rows]


def shown_nodes(nodes: list[Node], view: str) -> list[Node]:
    """What a view shows, in its order: the tree keeps placeholders for hidden
    posts and for ghosts with replies; the chronological view shows visible
    posts by date (undated last)."""
    if view == "flat":
        visible = [node for node in nodes if node.visible]
        return sorted(visible, key=lambda n: (n.date is None, n.date or datetime.min,
                                              n.order))
    keep = ids_with_visible_subtree(
        [(node.id, node.parent_id, node.ghost) for node in nodes])
    return [node for node in nodes if node.id in keep]


def page_starts(nodes: list[Node], size: int, view: str) -> list[int]:
    """Where each page begins in `nodes`."""
    starts = [0]
    while len(nodes) - starts[-1] > size:
        start = starts[-1]
        starts.append(start + size if view == "flat" else _tree_cut(nodes, start, size))
    return starts


def _tree_cut(nodes: list[Node], start: int, size: int) -> int:
    """Where a nested page ends: before the shallowest post of its second
    half that follows a finished subtree (a sibling of the post before it,
    or shallower), the last such if several; at the full page when none
    does (a chain of replies, each answering the one before)."""
    window = range(start + max(1, size // 2), start + size + 1)
    ends = [i for i in window if nodes[i].depth <= nodes[i - 1].depth]
    if not ends:
        return start + size
    shallowest = min(nodes[i].depth for i in ends)
    return max(i for i in ends if nodes[i].depth == shallowest)


def thread_page(thread: Thread, view: str = "tree", page: int | None = None,
                permalink: str | None = None, size: int = 50) -> ThreadPage:
    """The page asked for, or the one holding `permalink`."""
    nodes = outline(thread)
    shown = shown_nodes(nodes, view)
    starts = page_starts(shown, size, view)
    if permalink is not None:
        page = _page_holding(shown, starts, permalink)
    page = page or 1
    if page > len(starts):
        raise NotFound(f"Thread {thread.id} has no page {page}.")
    start = starts[page - 1]
    end = starts[page] if page < len(starts) else len(shown)
    before = sum(node.visible for node in shown[:start])
    on_page = shown[start:end]
    count = sum(node.visible for node in on_page)
    total = sum(node.visible for node in shown)
    pager = Page([], page, size, total, page_count=len(starts))
    entries = _entries(on_page, nodes)
    return ThreadPage(entries, pager, view, total, before + 1 if count else 0,
                      before + count, _first_post(nodes, entries))


def _first_post(nodes: list[Node], entries: list[ThreadEntry]) -> Post | None:
    """The thread's first visible post in tree order, from the page if it is there."""
    first = next((node.id for node in nodes if node.visible), None)
    shown = next((e.post for e in entries if e.post and e.post.id == first), None)
    if shown or first is None:
        return shown
    return db.session.scalar(select(Post).options(*LISTING_ONLY)
                             .where(Post.id == first))


def _page_holding(shown: list[Node], starts: list[int], permalink: str) -> int:
    """The page of a visible post; the first page for any other permalink (a
    link to a post since hidden still opens its thread, and says nothing of
    it)."""
    at = next((i for i, node in enumerate(shown)
               if node.permalink == permalink and node.visible), None)
    return 1 if at is None else bisect_right(starts, at)


def _entries(on_page: list[Node], nodes: list[Node]) -> list[ThreadEntry]:
    """Entries for a page's nodes, with full rows for its visible posts."""
    ids = [node.id for node in on_page if node.visible]
    posts = {post.id: post for post in db.session.scalars(
        select(Post).where(Post.id.in_(ids))).unique()} if ids else {}
    by_id: dict[int | None, Node] = {node.id: node for node in nodes}
    here = {node.id for node in on_page}
    entries = []
    for node in on_page:
        entry = ThreadEntry(node.depth, posts.get(node.id), node.placeholder,
                            node.public_permalink)
        parent = by_id.get(node.parent_id)
        if parent is not None:
            entry.parent_permalink = parent.public_permalink
            entry.parent_placeholder = parent.placeholder
            entry.parent_here = parent.id in here
            if parent.visible:
                entry.parent_author, entry.parent_date = parent.author, parent.date
        entries.append(entry)
    return entries
