"""Redaction, author takedown (pseudonymisation) and purge.

Removed text is taken out of the stored columns themselves, so nothing that
reads them (pages, search, feeds, exports, the API) can show it.  Each
column's value is always its original (`FieldOriginal`, admins only) with the
active `ContentChange`s applied, so changes can be reverted in any order: a
revert marks the change reverted and rebuilds the columns it touched.  A
purge is the one step that cannot be undone: it blanks the post, forgets its
originals and source, and leaves a tombstone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape

from sqlalchemy import delete, func, or_, select

from forum.errors import ForumError
from forum.extensions import DbSession
from forum.models import (
    Author,
    ChangedPost,
    ClaimHint,
    ClaimProposal,
    ContentChange,
    FieldOriginal,
    Flag,
    Label,
    LabelRevision,
    Post,
    PostCitation,
    PostReference,
    PostSource,
    Tombstone,
    User,
)
from forum.permissions import AUTHOR_TAKEDOWN, POST_PURGE, POST_REDACT, require
from forum.search.sync import reindex_later
from forum.services.audit import record, utcnow
from forum.services.counters import refresh_after_visibility_change
from forum.text.markup import post_plain_text
from forum.text.scrub import (
    ADDRESS_REMOVED,
    REDACTED,
    Located,
    Replacement,
    scrub_html,
    scrub_slice,
    scrub_text,
)

REDACT_REASONS = {
    "personal_information": "Personal information (phone, address, ...)",
    "third_party": "About a third party",
    "legal": "Legal request",
    "other": "Other",
}
TAKEDOWN_REASONS = {
    "author_request": "The author's request",
    "legal": "Legal request",
    "safety": "The author's safety",
}
PURGE_REASONS = {
    "legal": "Legal order",
    "illegal_content": "Illegal content",
    "author_request": "The author's request (erasure)",
}
MIN_REDACTION = 3
# Columns that may hold a post's words, with how to scrub them.
_POST_COLUMNS = (("subject", "text"), ("body_text", "text"), ("body_html", "html"),
                 ("parent_evidence", "text"), ("date_note", "text"))
_QUOTE_COLUMNS = ("prefix", "exact", "suffix")
_RELATED_COLUMNS = ((Label, _QUOTE_COLUMNS), (PostCitation, ("span_text",)),
                    (ClaimHint, ("text",)), (ClaimProposal, _QUOTE_COLUMNS),
                    (PostReference, ("text",)))


class TakedownRejected(ForumError):
    """A redaction, takedown or purge cannot be done as asked; says why."""


# -- redaction ---------------------------------------------------------------------


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
    _refuse_purged(session, post)
    found = Replacement(removed, REDACTED)
    if not _original_holds(session, post, [found]):
        raise TakedownRejected("That text is not in this post.")
    posts = [post]
    if thread_wide:
        posts += [other for other in _thread_posts(session, post)
                  if _original_holds(session, other, [found])]
    change = _new_change(session, actor, "redact", {"text": removed}, REDACTED,
                         reason, why, post_id=post.id, thread_wide=thread_wide)
    _apply(session, change, [p.id for p in posts])
    record(session, actor, "post.redact", target_type="content_change",
           target_id=change.id, post_id=post.id, reason=reason, why=why,
           after={"marker": REDACTED, "posts": len(posts),
                  "thread_wide": thread_wide})
    return change


def _thread_posts(session: DbSession, post: Post) -> list[Post]:
    return list(session.scalars(select(Post).where(
        Post.thread_id == post.thread_id, Post.id != post.id,
        Post.is_ghost.is_(False)).order_by(Post.thread_order)))


# -- author takedown ---------------------------------------------------------------


def pseudonym_for(author: Author) -> str:
    """Stable and meaningless: from the author's slug, itself a hash."""
    return f"Author {author.slug[:6]}"


def pseudonymise_author(session: DbSession, actor: User, author: Author, reason: str,
                        why: str = "", also: Iterable[str] = ()) -> ContentChange:
    """Replace the author's name and addresses across the archive.

    The author's own posts show the pseudonym (the author row changes, and
    so does each post's own name); every post that names them (attribution
    lines, quoted addresses, signatures of replies) is scrubbed of the name,
    of the other names their posts were signed with, and of the address,
    masked or not.  `also` adds names and addresses the archive does not hold
    for the author (a Google Groups copy shows only `m...@host`, and not in
    the header).
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
    change = _new_change(session, actor, "pseudonymise", removed,
                         pseudonym_for(author), reason, why, author_id=author.id)
    scrub = replacements_of(change)
    named = {post_id for post_id in _candidates(session, scrub)
             if _original_holds(session, session.get(Post, post_id), scrub)}
    post_ids = sorted(named | set(_posts_by(session, author)))
    author.name, author.email, author.masked_email = change.replacement, None, None
    _apply(session, change, post_ids)
    reindex_later(session, _posts_by(session, author))
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
    for name in sorted({" ".join(name.split()) for name in names}):
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


def _posts_by(session: DbSession, author: Author) -> list[int]:
    return list(session.scalars(select(Post.id).where(Post.author_id == author.id)))


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
    threads = dict(session.execute(select(Post.id, Post.thread_id).where(
        Post.id.in_([c.post_id for c in changes if c.post_id]))).all())
    touched: set[int] = set()
    for change in changes:
        scrub = replacements_of(change)
        for post in posts:
            thread = threads.get(change.post_id)
            if change.kind == "redact" and post.thread_id != thread:
                continue
            if (_is_own(change, post) or _holds_now(post, scrub)) and session.get(
                    ChangedPost, (change.id, post.id)) is None:
                session.add(ChangedPost(change_id=change.id, post_id=post.id))
                touched.add(post.id)
    session.flush()
    rebuild(session, touched)
    return len(touched)


def _is_own(change: ContentChange, post: Post) -> bool:
    """Whether the post is by the author this change pseudonymises."""
    return change.kind == "pseudonymise" and post.author_id is not None \
        and post.author_id == change.author_id


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
        author = session.get(Author, change.author_id)
        author.name = change.removed.get("name") or ""
        author.email = change.removed.get("email")
        author.masked_email = change.removed.get("masked_email")
        reindex_later(session, _posts_by(session, author))
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


def originals_of(session: DbSession, post: Post) -> dict[str, str | None]:
    """The post's own columns before any active change (admins only)."""
    rows = session.scalars(select(FieldOriginal).where(
        FieldOriginal.table == "posts", FieldOriginal.row_id == post.id))
    return {row.column: row.original for row in rows}


# -- purge -------------------------------------------------------------------------


def purge_post(session: DbSession, actor: User, post: Post, reason: str,
               why: str = "") -> Tombstone:
    """Erase a post's content for good; its permalink answers with a tombstone."""
    require(actor, POST_PURGE)
    if reason not in PURGE_REASONS:
        raise TakedownRejected("Choose a reason for the purge.")
    _refuse_purged(session, post)
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
    for revision in _revisions_of(session, post.id):
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


def _refuse_purged(session: DbSession, post: Post) -> None:
    if tombstone_of(session, post.id) is not None:
        raise TakedownRejected("This post was purged; nothing of it is left.")


# -- rewriting columns -------------------------------------------------------------


def replacements_of(change: ContentChange) -> list[Replacement]:
    """What a change finds in stored text, and the marker it puts instead."""
    if change.kind == "redact":
        return [Replacement(change.removed["text"], change.replacement)] \
            if change.removed.get("text") else []
    found: list[Replacement] = []
    for key in ("email", "masked_email"):
        address = change.removed.get(key)
        if address and "@" in address:
            found += [Replacement(address, ADDRESS_REMOVED),
                      Replacement(address, ADDRESS_REMOVED, "masked")]
    for term in change.removed.get("also") or []:
        if "@" in term:
            found += [Replacement(term, ADDRESS_REMOVED)]
            if "..." not in term and "…" not in term:
                found.append(Replacement(term, ADDRESS_REMOVED, "masked"))
        else:
            found.append(Replacement(term, change.replacement, "words"))
    names = [change.removed.get("name") or "", *(change.removed.get("signed") or [])]
    for name in names:
        found += _name_replacements(name.strip(), change.replacement)
    return found


def _name_replacements(name: str, pseudonym: str) -> list[Replacement]:
    """A name everywhere as words, its first word in attributions only."""
    if "@" in name:
        return [Replacement(name, ADDRESS_REMOVED)]
    if len(name.split()) >= 2 and len(name) >= 5:
        first = name.split()[0]  # "Mark wrote:" in a reply to Mark London
        return [Replacement(name, pseudonym, "words")] + (
            [Replacement(first, pseudonym, "attribution")] if len(first) >= 3 else [])
    if len(name) >= 2:
        return [Replacement(name, pseudonym, "attribution")]
    return []


def _new_change(session: DbSession, actor: User, kind: str, removed: dict,
                replacement: str, reason: str, why: str, **where) -> ContentChange:
    change = ContentChange(kind=kind, removed=removed, replacement=replacement,
                           reason=reason, why=why, created_by_id=actor.id,
                           created_at=utcnow(), **where)
    session.add(change)
    session.flush()
    return change


def _apply(session: DbSession, change: ContentChange, post_ids: list[int]) -> None:
    session.add_all(ChangedPost(change_id=change.id, post_id=post_id)
                    for post_id in post_ids)
    session.flush()
    rebuild(session, post_ids)


def rebuild(session: DbSession, post_ids: Iterable[int]) -> None:
    """Set each touched column to its original with the active changes applied."""
    for post_id in post_ids:
        post = session.get(Post, post_id)
        changes = _active_changes(session, post_id)
        scrub = [found for change in changes for found in replacements_of(change)]
        located = Located(_original_plain(session, post), scrub)
        for column, kind in _POST_COLUMNS:
            _rewrite(session, post, column, post_id,
                     lambda value, kind=kind, scrub=scrub: _scrubbed(value, kind,
                                                                     scrub))
        # The name the post was signed with: the pseudonym while its author's
        # takedown holds (a redaction leaves it, as it leaves the author's).
        pseudonym = next((change.replacement for change in changes
                          if _is_own(change, post)), None)
        _rewrite(session, post, "author_name", post_id,
                 lambda value, pseudonym=pseudonym: pseudonym or value)
        _rewrite_slices(session, post_id, located)
    session.flush()


def _rewrite_slices(session: DbSession, post_id: int, located: Located) -> None:
    """Label and proposal quotes, claim hints, citation spans and written-out
    references: copies of the post's words."""
    for hint in session.scalars(select(ClaimHint).where(ClaimHint.post_id == post_id)):
        _rewrite(session, hint, "text", post_id,
                 lambda value, at=hint.start: located.at(value, at))
    for item in session.scalars(select(PostCitation).where(
            PostCitation.post_id == post_id)):
        _rewrite(session, item, "span_text", post_id,
                 lambda value, at=item.span_start: located.at(value, at))
    for ref in session.scalars(select(PostReference).where(
            PostReference.post_id == post_id)):
        _rewrite(session, ref, "text", post_id,
                 lambda value, at=ref.span_start: located.at(value, at))
    quoted = [*session.scalars(select(Label).where(Label.post_id == post_id)),
              *session.scalars(select(ClaimProposal).where(
                  ClaimProposal.post_id == post_id))]
    for row in quoted:  # labels and same-claim proposals quote the post alike
        parts = located.quote(*(_source(session, row, column)
                                for column in _QUOTE_COLUMNS))
        for column, value in zip(_QUOTE_COLUMNS, parts, strict=True):
            _rewrite(session, row, column, post_id, lambda _value, v=value: v)
    for revision in _revisions_of(session, post_id):
        _rewrite(session, revision, "exact", post_id, located.anywhere)


def _active_changes(session: DbSession, post_id: int) -> list[ContentChange]:
    return list(session.scalars(
        select(ContentChange).join(ChangedPost,
                                   ChangedPost.change_id == ContentChange.id)
        .where(ChangedPost.post_id == post_id, ContentChange.reverted_at.is_(None))
        .order_by(ContentChange.id)))


def _revisions_of(session: DbSession, post_id: int) -> list[LabelRevision]:
    return list(session.scalars(select(LabelRevision).join(
        Label, Label.id == LabelRevision.label_id).where(Label.post_id == post_id)))


def _original_plain(session: DbSession, post: Post) -> str:
    kept = originals_of(session, post)
    return post_plain_text(kept.get("body_text", post.body_text),
                           kept.get("body_html", post.body_html))


def _source(session: DbSession, row, column: str) -> str | None:
    """The column's value before any change: its kept original, or itself."""
    kept = session.get(FieldOriginal, (row.__tablename__, row.id, column))
    current = getattr(row, column)
    return kept.original if kept is not None and kept.written == current else current


def _rewrite(session: DbSession, row, column: str, post_id: int, scrub) -> None:
    """Write `scrub(original)`; keep the original while the two differ."""
    key = (row.__tablename__, row.id, column)
    kept = session.get(FieldOriginal, key)
    current = getattr(row, column)
    if kept is not None and kept.written != current:
        session.delete(kept)  # changed since we wrote it: the newer value stands
        session.flush()
        kept = None
    source = kept.original if kept is not None else current
    value = scrub(source)
    if value == source:
        if kept is not None:
            setattr(row, column, kept.original)
            session.delete(kept)
        return
    if kept is None:
        kept = FieldOriginal(table=key[0], row_id=key[1], column=column,
                             post_id=post_id, original=source)
        session.add(kept)
    kept.written = value
    setattr(row, column, value)


def _scrubbed(value: str | None, kind: str, scrub: list[Replacement]) -> str | None:
    if not value or not scrub:
        return value
    if kind == "text":
        return scrub_text(value, scrub)
    cleaned = scrub_html(value, scrub)
    if cleaned is None:  # could not be scrubbed safely: keep its text, scrubbed
        plain = scrub_text(post_plain_text(None, value), scrub) or ""
        cleaned = "".join(f"<p>{_escape(line)}</p>" for line in plain.split("\n")
                          if line.strip())
    return cleaned


def _escape(line: str) -> str:
    return escape(line, quote=False)


def _original_holds(session: DbSession, post: Post, scrub: list[Replacement]) -> bool:
    """Whether the post's words, before any change, contain a removed term."""
    kept = originals_of(session, post)
    texts = [kept.get(column, getattr(post, column))
             for column in ("subject", "body_text")]
    html = kept.get("body_html", post.body_html)
    if html:
        texts.append(post_plain_text(None, html))
    return any(found.found_in(text) for found in scrub for text in texts if text)


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


def tombstone_for(session: DbSession, permalink: str) -> Tombstone | None:
    """The tombstone behind a permalink, for the reader's 410 page."""
    return session.scalar(select(Tombstone).join(Post, Post.id == Tombstone.post_id)
                          .where(Post.permalink == permalink))


# -- the audit log, as moderators read it ------------------------------------------


@dataclass(frozen=True)
class ShownEntry:
    """An audit entry as shown: removed text scrubbed from its notes and values.

    The log itself is append-only and keeps what was written (label quotes,
    notes); what a redaction or takedown removed, or a purge erased, must
    not come back through the moderators' log page.
    """

    id: int
    at: object
    actor_name: str
    action: str
    reverts_id: int | None
    target_type: str
    target_id: int | None
    post_id: int | None
    reason: str
    why: str
    before: object
    after: object


ERASED = "(erased: the post was purged)"


def shown_entries(session: DbSession, entries: list) -> list[ShownEntry]:
    post_ids = {entry.post_id for entry in entries if entry.post_id}
    scrub = _active_replacements_of(session, post_ids)
    purged = set(session.scalars(select(Tombstone.post_id).where(
        Tombstone.post_id.in_(post_ids)))) if post_ids else set()
    return [_shown(entry, scrub.get(entry.post_id, []), entry.post_id in purged)
            for entry in entries]


def _shown(entry, scrub: list[Replacement], purged: bool) -> ShownEntry:
    before, after, why = entry.before, entry.after, entry.why
    if purged and entry.action != "post.purge":
        before, after, why = (ERASED if before else None,
                              ERASED if after else None, ERASED if why else "")
    elif scrub:
        before, after = _scrub_value(before, scrub), _scrub_value(after, scrub)
        why = scrub_slice(why, scrub)
    return ShownEntry(entry.id, entry.at, entry.actor_name, entry.action,
                      entry.reverts_id, entry.target_type, entry.target_id,
                      entry.post_id, entry.reason, why, before, after)


def _scrub_value(value, scrub: list[Replacement]):
    if isinstance(value, str):
        return scrub_slice(value, scrub)
    if isinstance(value, dict):
        return {key: _scrub_value(item, scrub) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub_value(item, scrub) for item in value]
    return value


def _active_replacements_of(session: DbSession, post_ids: set[int]
                            ) -> dict[int, list[Replacement]]:
    if not post_ids:
        return {}
    rows = session.execute(
        select(ChangedPost.post_id, ContentChange)
        .join(ContentChange, ChangedPost.change_id == ContentChange.id)
        .where(ChangedPost.post_id.in_(post_ids), ContentChange.reverted_at.is_(None))
        .order_by(ContentChange.id))
    found: dict[int, list[Replacement]] = {}
    for post_id, change in rows:
        found.setdefault(post_id, []).extend(replacements_of(change))
    return found
