"""Rewriting stored columns: each is its original with the active changes applied.

What a redaction or takedown removes is found (`replacements_of`) and taken
out of every column that may hold a post's words: the post's own columns and
the copies of its words elsewhere (label and proposal quotes, claim hints,
citation spans, written-out references, label revisions).  A column's value
before the first rewrite is kept once in `FieldOriginal`, with the value last
written, so `rebuild` can apply the active changes again from the original
after any change is added or reverted, in any order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from html import escape
from typing import Any, Protocol

from sqlalchemy import select

from forum.extensions import DbSession
from forum.models import (
    ChangedPost,
    ClaimHint,
    ClaimProposal,
    ContentChange,
    FieldOriginal,
    Label,
    LabelRevision,
    Post,
    PostCitation,
    PostReference,
    User,
)
from forum.services.audit import utcnow
from forum.text.markup import post_plain_text
from forum.text.scrub import (
    ADDRESS_REMOVED,
    Located,
    Replacement,
    scrub_html,
    scrub_text,
)

# Columns that may hold a post's words, with how to scrub them.
_POST_COLUMNS = (("subject", "text"), ("body_text", "text"), ("body_html", "html"),
                 ("parent_evidence", "text"), ("date_note", "text"))
# A label's (or a same-claim proposal's) text-quote selector.
QUOTE_COLUMNS = ("prefix", "exact", "suffix")

_Scrub = Callable[[str | None], str | None]


class _Row(Protocol):
    """A stored row whose columns may be rewritten (its originals are keyed
    by table, row id and column)."""

    __tablename__: Any

    @property
    def id(self) -> int: ...


# -- what a change removes -----------------------------------------------------------


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


def is_own(change: ContentChange, post: Post) -> bool:
    """Whether the post is by the author this change pseudonymises."""
    return change.kind == "pseudonymise" and post.author_id is not None \
        and post.author_id == change.author_id


def originals_of(session: DbSession, post: Post) -> dict[str, str | None]:
    """The post's own columns before any active change (admins only)."""
    rows = session.scalars(select(FieldOriginal).where(
        FieldOriginal.table == "posts", FieldOriginal.row_id == post.id))
    return {row.column: row.original for row in rows}


def original_holds(session: DbSession, post: Post, scrub: list[Replacement]) -> bool:
    """Whether the post's words, before any change, contain a removed term."""
    kept = originals_of(session, post)
    texts = [kept.get(column, getattr(post, column))
             for column in ("subject", "body_text")]
    html = kept.get("body_html", post.body_html)
    if html:
        texts.append(post_plain_text(None, html))
    return any(found.found_in(text) for found in scrub for text in texts if text)


# -- making and applying a change ----------------------------------------------------


def new_change(session: DbSession, actor: User, kind: str, removed: dict[str, Any],
               replacement: str, reason: str, why: str, *, post_id: int | None = None,
               author_id: int | None = None, thread_wide: bool = False
               ) -> ContentChange:
    change = ContentChange(kind=kind, removed=removed, replacement=replacement,
                           reason=reason, why=why, created_by_id=actor.id,
                           created_at=utcnow(), post_id=post_id, author_id=author_id,
                           thread_wide=thread_wide)
    session.add(change)
    session.flush()
    return change


def apply_change(session: DbSession, change: ContentChange, post_ids: list[int]
                 ) -> None:
    """Record the posts the change touches and rewrite their columns."""
    session.add_all(ChangedPost(change_id=change.id, post_id=post_id)
                    for post_id in post_ids)
    session.flush()
    rebuild(session, post_ids)


def rebuild(session: DbSession, post_ids: Iterable[int]) -> None:
    """Set each touched column to its original with the active changes applied."""
    for post_id in post_ids:
        post = session.get_one(Post, post_id)
        changes = _active_changes(session, post_id)
        scrub = [found for change in changes for found in replacements_of(change)]
        located = Located(_original_plain(session, post), scrub)
        for column, kind in _POST_COLUMNS:
            _rewrite(session, post, column, post_id,
                     partial(_scrubbed, kind=kind, scrub=scrub))
        # The name the post was signed with: the pseudonym while its author's
        # takedown holds (a redaction leaves it, as it leaves the author's).
        pseudonym = next((change.replacement for change in changes
                          if is_own(change, post)), None)
        _rewrite(session, post, "author_name", post_id, _signed_as(pseudonym))
        _rewrite_slices(session, post_id, located)
    session.flush()


def _signed_as(pseudonym: str | None) -> _Scrub:
    return lambda value: pseudonym or value


def _rewrite_slices(session: DbSession, post_id: int, located: Located) -> None:
    """Label and proposal quotes, claim hints, citation spans and written-out
    references: copies of the post's words."""
    for hint in session.scalars(select(ClaimHint).where(ClaimHint.post_id == post_id)):
        _rewrite(session, hint, "text", post_id, partial(located.at, start=hint.start))
    for item in session.scalars(select(PostCitation).where(
            PostCitation.post_id == post_id)):
        _rewrite(session, item, "span_text", post_id,
                 partial(located.at, start=item.span_start))
    for ref in session.scalars(select(PostReference).where(
            PostReference.post_id == post_id)):
        _rewrite(session, ref, "text", post_id,
                 partial(located.at, start=ref.span_start))
    quoted: list[Label | ClaimProposal] = [
        *session.scalars(select(Label).where(Label.post_id == post_id)),
        *session.scalars(select(ClaimProposal).where(ClaimProposal.post_id == post_id))]
    for row in quoted:  # labels and same-claim proposals quote the post alike
        prefix, exact, suffix = (_source(session, row, column) or ""
                                 for column in QUOTE_COLUMNS)
        parts = located.quote(prefix, exact, suffix)
        for column, value in zip(QUOTE_COLUMNS, parts, strict=True):
            _rewrite(session, row, column, post_id, _written(value))
    for revision in revisions_of(session, post_id):
        _rewrite(session, revision, "exact", post_id, located.anywhere)


def _written(value: str) -> _Scrub:
    return lambda _value: value


def _active_changes(session: DbSession, post_id: int) -> list[ContentChange]:
    return list(session.scalars(
        select(ContentChange).join(ChangedPost,
                                   ChangedPost.change_id == ContentChange.id)
        .where(ChangedPost.post_id == post_id, ContentChange.reverted_at.is_(None))
        .order_by(ContentChange.id)))


def revisions_of(session: DbSession, post_id: int) -> list[LabelRevision]:
    """The kept revisions of the post's labels (each quotes the post)."""
    return list(session.scalars(select(LabelRevision).join(
        Label, Label.id == LabelRevision.label_id).where(Label.post_id == post_id)))


def _original_plain(session: DbSession, post: Post) -> str:
    kept = originals_of(session, post)
    return post_plain_text(kept.get("body_text", post.body_text),
                           kept.get("body_html", post.body_html))


def _source(session: DbSession, row: _Row, column: str) -> str | None:
    """The column's value before any change: its kept original, or itself."""
    kept = session.get(FieldOriginal, (row.__tablename__, row.id, column))
    current: str | None = getattr(row, column)
    return kept.original if kept is not None and kept.written == current else current


def _rewrite(session: DbSession, row: _Row, column: str, post_id: int,
             scrub: _Scrub) -> None:
    """Write `scrub(original)`; keep the original while the two differ."""
    key = (row.__tablename__, row.id, column)
    kept = session.get(FieldOriginal, key)
    current: str | None = getattr(row, column)
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
        cleaned = "".join(f"<p>{escape(line, quote=False)}</p>"
                          for line in plain.split("\n") if line.strip())
    return cleaned
