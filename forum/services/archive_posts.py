"""Reading posts and authors: a permalink's post and what its page shows
around it, a purged post's 410, and an author's visible posts."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from forum.errors import Gone, NotFound
from forum.extensions import db
from forum.models import Author, Group, Post, PostGroup
from forum.services.pagination import Page, paginate
from forum.services.visibility import VISIBLE, shown


@dataclass(slots=True)
class PostContext:
    """What a permalink page shows around a post."""

    post: Post
    parent: Post | None = None
    parent_placeholder: str | None = None
    replies: list[Post] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)


def get_post_by_permalink(permalink: str, include_hidden: bool = False) -> Post:
    """The visible post with this permalink, or NotFound (ghosts and hidden too).

    `include_hidden` is for moderator pages: hidden posts, never ghosts.
    """
    rules = (Post.is_ghost.is_(False),) if include_hidden else VISIBLE
    post = db.session.scalar(
        select(Post)
        .options(joinedload(Post.thread))
        .where(Post.permalink == permalink, *rules)
    )
    if post is None:
        _raise_tombstone(permalink)
        raise NotFound("There is no such message in the archive.")
    return post


def _raise_tombstone(permalink: str) -> None:
    """A purged post's permalink answers 410 Gone, saying when and why."""
    from forum.services.takedown_purge import tombstone_for
    from forum.services.takedown_reasons import PURGE_REASONS

    tombstone = tombstone_for(db.session, permalink)
    if tombstone is not None:
        why = PURGE_REASONS.get(tombstone.reason, tombstone.reason)
        raise Gone(f"This message was removed from the archive for good on "
                   f"{tombstone.purged_at:%Y-%m-%d} ({why.lower()}).")


def get_post_by_id(post_id: int) -> Post:
    """Any stored (non-ghost) post by id, for moderator pages."""
    post = db.session.get(Post, post_id)
    if post is None or post.is_ghost:
        raise NotFound("There is no such message in the archive.")
    return post


def post_context(post: Post) -> PostContext:
    """Parent (or placeholder), visible direct replies and groups of `post`."""
    context = PostContext(post)
    if post.parent_id is not None:
        parent = db.session.get(Post, post.parent_id)
        if parent is not None:
            context.parent, context.parent_placeholder = shown(parent)
    context.replies = list(db.session.scalars(
        select(Post).where(Post.parent_id == post.id, *VISIBLE)
        .order_by(Post.thread_order)
    ).unique())
    context.groups = list(db.session.scalars(
        select(Group).join(PostGroup, PostGroup.group_id == Group.id)
        .where(PostGroup.post_id == post.id).order_by(Group.name)
    ))
    return context


def author_by_slug(slug: str) -> Author:
    """The author behind `slug`, or NotFound when they have no visible post."""
    author = db.session.scalar(select(Author).where(Author.slug == slug))
    if author is None or not db.session.scalar(
            select(exists().where(Post.author_id == author.id, *VISIBLE))):
        raise NotFound("There is no such author in the archive.")
    return author


def author_posts(author: Author, page: int = 1, per_page: int = 50) -> Page:
    """The author's visible posts, newest first (undated last)."""
    stmt = (
        select(Post)
        .options(joinedload(Post.thread))
        .where(Post.author_id == author.id, *VISIBLE)
        .order_by(Post.date.desc().nulls_last(), Post.id.desc())
    )
    return paginate(stmt, page, per_page)
