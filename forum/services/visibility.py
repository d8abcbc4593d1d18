"""What a public reader may see: the rules every read of the archive applies.

Public readers never see hidden posts.  Ghosts (messages replies point at but
the archive has not got) only appear inside thread trees, as placeholders, and
only when something visible hangs below them; a hidden post with visible
replies becomes the same kind of anonymous placeholder so the tree keeps its
shape without showing anything of the hidden message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Exists, exists
from sqlalchemy.orm import defer

from forum.models import Post

# Placeholder kinds in a thread tree.
MISSING = "missing"  # a ghost: the archive never saw the message
UNAVAILABLE = "unavailable"  # hidden by a moderator

# The posts a reader may see: `.where(*VISIBLE)`.
VISIBLE = (Post.is_hidden.is_(False), Post.is_ghost.is_(False))
# A listing shows a post's subject, author and date: its body is read only if
# something asks for it.
LISTING_ONLY = (defer(Post.body_text), defer(Post.body_html), defer(Post.references),
                defer(Post.parent_evidence))


def has_visible_post(thread_id: ColumnElement[Any] | int) -> Exists:
    """Whether the thread (an id, or a column holding one) has a visible post."""
    return exists().where(Post.thread_id == thread_id, *VISIBLE)


def shown(post: Post) -> tuple[Post | None, str | None]:
    """The post itself if a reader may see it, else its placeholder kind."""
    if not post.is_hidden and not post.is_ghost:
        return post, None
    return None, MISSING if post.is_ghost else UNAVAILABLE


def ids_with_visible_subtree(
        posts: Sequence[tuple[int, int | None, bool]]) -> set[int]:
    """Visible and hidden posts plus their ancestors: what a tree must show.

    `posts` are (id, parent id, is ghost).  A hidden post stays in its tree as
    a "hidden post" placeholder, so readers see that something was taken
    down; a ghost only where it has replies.
    """
    parents = {post_id: parent_id for post_id, parent_id, _ghost in posts}
    keep: set[int] = set()
    for post_id, _parent, ghost in posts:
        if ghost:
            continue
        node: int | None = post_id
        while node is not None and node not in keep:
            keep.add(node)
            node = parents.get(node)
    return keep
