"""What is indexed for a post: its own words, never its transport headers.

Subject, the post's new text and its quoted text (separately, so a search can
tell a claim made from a claim quoted), author name, groups, date, thread and
its evidence (label kinds, confirmed PMIDs).  Headers such as Path, Received
or Xref are never indexed: in 20 Newsgroups' sci.med "magnesium" is a relay
host in 263 Path headers and a word in 7 bodies.  Hidden posts and ghosts are
never indexed at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, func, select

from forum.extensions import DbSession
from forum.models import (
    Author,
    Citation,
    Flag,
    Group,
    Label,
    LabelKind,
    Post,
    PostCitation,
    PostGroup,
)
from forum.text.blocks import split_blocks
from forum.text.markup import post_plain_text
from forum.text.masking import mask_addresses

_NEW_KINDS = ("text", "signature")
_QUOTED_KINDS = ("quote", "tail")
CHUNK = 500


@dataclass(slots=True)
class PostDocument:
    post_id: int
    thread_id: int
    subject: str
    author: str
    new_text: str
    quoted_text: str
    groups: list[str]
    date: datetime | None
    stamp: str
    # Evidence: active label kinds, confirmed PMIDs, and "citation"/"label".
    labels: list[str] = field(default_factory=list)
    pmids: list[str] = field(default_factory=list)
    has: list[str] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        return self.date.year if self.date else None

    @property
    def author_key(self) -> str:
        """The author as the facet counts them."""
        return self.author or "(unknown)"


def split_new_and_quoted(body: str) -> tuple[str, str]:
    """The post's own words and the words it quotes, as two texts."""
    new: list[str] = []
    quoted: list[str] = []
    for block in split_blocks(body.splitlines()):
        if block.kind in _NEW_KINDS:
            new.extend(block.lines)
        elif block.kind in _QUOTED_KINDS:
            quoted.extend(line.lstrip(">:| ") for line in block.lines)
    return "\n".join(new), "\n".join(quoted)


def document_stamp(content_hash: str, subject: str, author: str,
                   groups: list[str], thread_id: int, evidence: str = "") -> str:
    """A short fingerprint of everything indexed, so `verify` can spot stale docs."""
    raw = "\x1f".join([content_hash, subject, author, ",".join(sorted(groups)),
                       str(thread_id), evidence])
    return hashlib.sha1(raw.encode("utf-8", "replace")).hexdigest()[:16]


class PostRow(Protocol):
    """What a document is made of: a row of `_document_rows()`."""

    @property
    def id(self) -> int: ...
    @property
    def thread_id(self) -> int: ...
    @property
    def subject(self) -> str | None: ...
    @property
    def author_name(self) -> str | None: ...
    @property
    def body_text(self) -> str | None: ...
    @property
    def body_html(self) -> str | None: ...
    @property
    def date(self) -> datetime | None: ...
    @property
    def content_hash(self) -> str | None: ...


def build_document(row: PostRow, groups: list[str], labels: Iterable[str] = (),
                   pmids: Iterable[str] = (), cited: bool = False,
                   flagged: bool = False) -> PostDocument:
    """A document from a post row (id, thread_id, subject, author name, body...).

    Addresses are masked before indexing, exactly as pages show them, so no
    search, suggestion or facet can reveal or confirm a hidden address.
    """
    body = mask_addresses(post_plain_text(row.body_text, row.body_html))
    new, quoted = split_new_and_quoted(body)
    author = mask_addresses(row.author_name or "")
    subject = mask_addresses(row.subject or "")
    labels, pmids = sorted(set(labels)), sorted(set(pmids))
    has = ((["citation"] if cited else []) + (["flagged"] if flagged else [])
           + (["label"] if labels else []))
    # Empty for a post without evidence, so older stamps stay valid.
    evidence = f"{','.join(labels)};{','.join(pmids)};{','.join(has)}" \
        if has else ""
    return PostDocument(
        post_id=row.id, thread_id=row.thread_id, subject=subject,
        author=author, new_text=new, quoted_text=quoted, groups=sorted(groups),
        date=row.date,
        stamp=document_stamp(row.content_hash or "", subject, author,
                             groups, row.thread_id, evidence),
        labels=labels, pmids=pmids, has=has,
    )


# -- reading posts for the index -----------------------------------------------------


def documents_for(session: DbSession, post_ids: Iterable[int]
                  ) -> tuple[list[PostDocument], list[int]]:
    """Documents for visible posts, and the ids that must leave the index."""
    post_ids = sorted(set(post_ids))
    docs: list[PostDocument] = []
    gone: set[int] = set(post_ids)
    for start in range(0, len(post_ids), CHUNK):
        chunk = post_ids[start : start + CHUNK]
        groups = group_names(session, chunk)
        evidence = _evidence(session, chunk)
        flagged = _flagged(session, chunk)
        rows = _document_rows().where(Post.id.in_(chunk))
        for row in session.execute(rows):
            if not row.is_hidden and not row.is_ghost:
                labels, pmids, cited = evidence.get(row.id, ([], [], False))
                docs.append(build_document(row, groups.get(row.id, []), labels,
                                           pmids, cited, row.id in flagged))
                gone.discard(row.id)
    return docs, sorted(gone)


def busy_posts(session: DbSession, post_ids: Iterable[int]) -> set[int]:
    """Share-lock these posts (PostgreSQL); return those another transaction holds.

    The locked ones cannot change until this transaction ends, so documents
    made from them now cannot overwrite a later change.  SQLite has no row
    locks (its writers take turns), so there nothing is busy.
    """
    if session.get_bind().dialect.name != "postgresql":
        return set()
    busy: set[int] = set()
    post_ids = sorted(set(post_ids))
    for start in range(0, len(post_ids), CHUNK):
        chunk = post_ids[start:start + CHUNK]
        locked = set(session.scalars(
            select(Post.id).where(Post.id.in_(chunk))
            .with_for_update(read=True, skip_locked=True)))
        busy.update(set(session.scalars(select(Post.id).where(Post.id.in_(chunk))))
                    - locked)
    return busy


def lock_posts_for_change(session: DbSession, post_ids: Iterable[int]) -> None:
    """Take the posts' row locks (PostgreSQL) before writing their documents.

    An indexer then skips them (busy_posts) until this transaction ends,
    instead of writing an older state of them over ours.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    post_ids = sorted(set(post_ids))
    for start in range(0, len(post_ids), CHUNK):
        chunk = post_ids[start:start + CHUNK]
        session.execute(select(Post.id).where(Post.id.in_(chunk))
                        .order_by(Post.id).with_for_update(key_share=True))


def visible_post_ids(session: DbSession) -> list[int]:
    """Ids of every post that belongs in the index, in id order."""
    return list(session.scalars(
        select(Post.id).where(Post.is_ghost.is_(False), Post.is_hidden.is_(False))
        .order_by(Post.id)
    ))


def group_names(session: DbSession, post_ids: list[int]) -> dict[int, list[str]]:
    """The names of the groups each of these posts is listed in."""
    names: dict[int, list[str]] = {}
    rows = session.execute(
        select(PostGroup.post_id, Group.name)
        .join(Group, Group.id == PostGroup.group_id)
        .where(PostGroup.post_id.in_(post_ids))
    )
    for post_id, name in rows:
        names.setdefault(post_id, []).append(name)
    return names


def _document_rows() -> Select[Any]:
    return (
        select(Post.id, Post.thread_id, Post.subject, Post.body_text, Post.body_html,
               Post.date, Post.content_hash, Post.is_hidden, Post.is_ghost,
               # The name the post was signed with (Post.byline), else its author's.
               func.coalesce(Post.author_name, Author.name).label("author_name"))
        .outerjoin(Author, Author.id == Post.author_id)
    )


def _evidence(session: DbSession, post_ids: list[int]
              ) -> dict[int, tuple[list[str], list[str], bool]]:
    """Per post: active label kinds, confirmed PMIDs, whether anything is cited."""
    found: dict[int, tuple[list[str], list[str], bool]] = {}
    for post_id, key in session.execute(
            select(Label.post_id, LabelKind.key)
            .join(LabelKind, LabelKind.id == Label.kind_id)
            .where(Label.post_id.in_(post_ids), Label.is_withdrawn.is_(False))):
        found.setdefault(post_id, ([], [], False))[0].append(key)
    for post_id, kind, identifier in session.execute(
            select(PostCitation.post_id, Citation.kind, Citation.identifier)
            .join(Citation, Citation.id == PostCitation.citation_id)
            .where(PostCitation.post_id.in_(post_ids),
                   PostCitation.status == "confirmed")):
        labels, pmids, _cited = found.get(post_id, ([], [], False))
        if kind == "pmid":
            pmids.append(identifier)
        found[post_id] = (labels, pmids, True)
    return found


def _flagged(session: DbSession, post_ids: list[int]) -> set[int]:
    """Which of these posts carry a reader's flag still waiting for a moderator."""
    return set(session.scalars(
        select(Flag.post_id).where(Flag.post_id.in_(post_ids),
                                   Flag.status == "pending")))
