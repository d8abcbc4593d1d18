"""Author takedown: an author's name and addresses replaced across the archive.

The author's own posts show a pseudonym (the author row changes, and so does
each post's own name); every post that names them (attribution lines, quoted
addresses, signatures of replies) is scrubbed of the name, of the other names
their posts were signed with, and of the address, masked or not.  Reverting
(`takedowns.revert_change`) puts the author row back and rebuilds the posts.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_, select

from forum.extensions import DbSession
from forum.models import Author, ContentChange, FieldOriginal, Post, User
from forum.permissions import AUTHOR_TAKEDOWN, require
from forum.search.sync import reindex_later
from forum.services.audit import record
from forum.services.takedown_reasons import (
    MIN_REDACTION,
    TAKEDOWN_REASONS,
    TakedownRejected,
)
from forum.services.takedown_rewrite import (
    apply_change,
    new_change,
    original_holds,
    replacements_of,
)
from forum.text.scrub import Replacement


def pseudonym_for(author: Author) -> str:
    """Stable and meaningless: from the author's slug, itself a hash."""
    return f"Author {author.slug[:6]}"


def pseudonymise_author(session: DbSession, actor: User, author: Author, reason: str,
                        why: str = "", also: Iterable[str] = ()) -> ContentChange:
    """Replace the author's name and addresses across the archive.

    `also` adds names and addresses the archive does not hold for the author
    (a Google Groups copy shows only `m...@host`, and not in the header).
    """
    require(actor, AUTHOR_TAKEDOWN)
    if reason not in TAKEDOWN_REASONS:
        raise TakedownRejected("Choose a reason for the takedown.")
    if active_takedown(session, author) is not None:
        raise TakedownRejected("This author is already pseudonymised.")
    extra = _extra_terms(also)
    removed = {"name": author.name, "email": author.email,
               "masked_email": author.masked_email, "also": extra,
               "signed": _signed_names(session, author, [author.name, *extra])}
    change = new_change(session, actor, "pseudonymise", removed,
                        pseudonym_for(author), reason, why, author_id=author.id)
    scrub = replacements_of(change)
    named = {post_id for post_id in _candidates(session, scrub)
             if original_holds(session, session.get_one(Post, post_id), scrub)}
    post_ids = sorted(named | set(posts_by(session, author)))
    author.name, author.email, author.masked_email = change.replacement, None, None
    apply_change(session, change, post_ids)
    reindex_later(session, posts_by(session, author))
    record(session, actor, "author.pseudonymise", target_type="author",
           target_id=author.id, reason=reason, why=why,
           after={"pseudonym": change.replacement, "posts_scrubbed": len(post_ids)})
    return change


def _extra_terms(also: Iterable[str]) -> list[str]:
    terms = [" ".join(term.split()) for term in also]
    short = [term for term in terms if 0 < len(term) < MIN_REDACTION]
    if short:
        raise TakedownRejected(f"'{short[0]}' is too short to remove safely.")
    return [term for term in terms if term][:20]


def _signed_names(session: DbSession, author: Author, known: list[str]) -> list[str]:
    """The other names the author's posts were signed with, removed as theirs."""
    names = session.scalars(select(Post.author_name).distinct().where(
        Post.author_id == author.id, Post.author_name.is_not(None)))
    seen = {" ".join(term.split()).casefold() for term in known if term}
    found = []
    for name in sorted({" ".join((name or "").split()) for name in names}):
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            found.append(name)
    return found


def active_takedown(session: DbSession, author: Author) -> ContentChange | None:
    return session.scalar(select(ContentChange).where(
        ContentChange.author_id == author.id, ContentChange.kind == "pseudonymise",
        ContentChange.reverted_at.is_(None)))


def _candidates(session: DbSession, scrub: list[Replacement]) -> list[int]:
    """Posts whose stored text may hold a removed term (a cheap LIKE prefilter)."""
    terms = {_search_term(r) for r in scrub}
    columns = (Post.subject, Post.body_text, Post.body_html)
    matches = [func.lower(column).contains(term, autoescape=True)
               for term in terms for column in columns]
    current = select(Post.id).where(Post.is_ghost.is_(False), or_(*matches))
    kept = select(FieldOriginal.post_id).where(or_(*(
        func.lower(FieldOriginal.original).contains(term, autoescape=True)
        for term in terms)))
    return sorted(set(session.scalars(current)) | set(session.scalars(kept)))


def _search_term(replacement: Replacement) -> str:
    if replacement.mode == "masked":
        return "@" + replacement.removed.rpartition("@")[2].lower()
    return replacement.removed.split()[0].lower()


def posts_by(session: DbSession, author: Author) -> list[int]:
    """The ids of the author's own posts."""
    return list(session.scalars(select(Post.id).where(Post.author_id == author.id)))
