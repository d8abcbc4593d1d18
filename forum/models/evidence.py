"""Evidence on posts: label kinds, labels with their revisions, citations.

A label is about a claim in a post, never about the poster.  It covers the
whole post or a span given as a W3C TextQuoteSelector (the exact text plus a
little before and after), so it survives re-rendering and re-imports.
Every change to a label adds a `LabelRevision`; the label row holds the
current state.  A `Citation` is one record per work (PMID, DOI, ...), shared
by every post that cites it through `PostCitation`, which is either a
moderator's attachment or a suggestion found in the post's text.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import Model
from forum.models.columns import intpk, post_fk, timestamp, user_fk

SEVERITIES = ("info", "context", "caution", "serious")


class LabelKind(Model):
    """One entry of the taxonomy (seeded on first start, editable by admins)."""

    __tablename__ = "label_kinds"

    id: Mapped[intpk]
    key: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    definition: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16))
    requires_citation: Mapped[bool] = mapped_column(Boolean, default=False)
    # Verdicts (consistent, limited, unsupported, contradicted, outdated)
    # exclude each other on the same span.
    is_verdict: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class LabelCitation(Model):
    __tablename__ = "label_citations"

    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id"), primary_key=True)
    citation_id: Mapped[int] = mapped_column(ForeignKey("citations.id"),
                                             primary_key=True)


class Label(Model):
    __tablename__ = "labels"

    id: Mapped[intpk]
    post_id: Mapped[post_fk] = mapped_column(index=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("label_kinds.id"))
    # None: the whole post.  Otherwise the quoted text and its context.
    exact: Mapped[str | None] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(Text, default="")
    suffix: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text)
    is_withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[user_fk]
    created_at: Mapped[timestamp]
    updated_by_id: Mapped[user_fk]
    updated_at: Mapped[timestamp]
    # The label this one was proposed from (same claim found in another post).
    derived_from_id: Mapped[int | None] = mapped_column(ForeignKey("labels.id"))

    kind: Mapped[LabelKind] = relationship(lazy="joined")
    citations: Mapped[list[Citation]] = relationship(
        secondary="label_citations", order_by="Citation.id")
    created_by = relationship("User", foreign_keys="Label.created_by_id", lazy="joined")
    updated_by = relationship("User", foreign_keys="Label.updated_by_id", lazy="joined")


class LabelRevision(Model):
    """A label as it stood after one change (created, revised, withdrawn...)."""

    __tablename__ = "label_revisions"
    __table_args__ = (UniqueConstraint("label_id", "revision"),)

    id: Mapped[intpk]
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(16))
    kind_id: Mapped[int] = mapped_column(ForeignKey("label_kinds.id"))
    exact: Mapped[str | None] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text)
    is_withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    citation_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    why: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[user_fk]
    at: Mapped[timestamp]

    kind: Mapped[LabelKind] = relationship(lazy="joined")
    actor = relationship("User", lazy="joined")


class Citation(Model):
    """A cited work, with bibliographic metadata in CSL-JSON's fields."""

    __tablename__ = "citations"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(8))
    # The identifier as shown, and its comparison key (DOIs fold case).
    identifier: Mapped[str] = mapped_column(String(500))
    key: Mapped[str] = mapped_column(String(500))
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    authors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    container_title: Mapped[str] = mapped_column(Text, default="")
    issued: Mapped[str] = mapped_column(String(32), default="")
    volume: Mapped[str] = mapped_column(String(64), default="")
    issue: Mapped[str] = mapped_column(String(64), default="")
    page: Mapped[str] = mapped_column(String(64), default="")
    metadata_source: Mapped[str] = mapped_column(String(16), default="")
    metadata_at: Mapped[timestamp | None]
    created_at: Mapped[timestamp]


class PostCitation(Model):
    """A citation on a post: attached by a moderator, or suggested by the scan.

    Suggestions keep the exact text span they were found at (one row per
    occurrence), and whether it sits in quoted text; the body is never
    rewritten.  A moderator confirms or rejects them.
    """

    __tablename__ = "post_citations"
    __table_args__ = (
        UniqueConstraint("post_id", "citation_id", "span_start"),
        # The post too: the review queue counts and ranks posts with
        # suggestions from the index alone.
        Index("ix_post_citations_status_post_id", "status", "post_id"),
    )

    id: Mapped[intpk]
    post_id: Mapped[post_fk] = mapped_column(index=True)
    citation_id: Mapped[int] = mapped_column(ForeignKey("citations.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))  # suggested|confirmed|rejected
    origin: Mapped[str] = mapped_column(String(12))  # scan|moderator|label
    note: Mapped[str] = mapped_column(Text, default="")
    span_start: Mapped[int | None] = mapped_column(Integer)
    span_end: Mapped[int | None] = mapped_column(Integer)
    span_text: Mapped[str | None] = mapped_column(Text)
    in_quote: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[timestamp]
    created_by_id: Mapped[user_fk | None]
    decided_by_id: Mapped[user_fk | None]
    decided_at: Mapped[timestamp | None]

    citation: Mapped[Citation] = relationship(lazy="joined")


class CitationLookup(Model):
    """The persistent cache of metadata lookups (NCBI, Crossref), found or not."""

    __tablename__ = "citation_lookups"

    key: Mapped[str] = mapped_column(String(600), primary_key=True)
    found: Mapped[bool] = mapped_column(Boolean)
    value: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fetched_at: Mapped[timestamp]


class ClaimProposal(Model):
    """A post that seems to make a labelled claim again, for a moderator to decide.

    Found by the same-claim matcher (`forum.claim_match`): the span it matched
    as a text-quote selector, the similarity and what it rests on.  Nothing is
    labelled until a moderator accepts (`label_id` then names the new label),
    edits, or rejects it with a reason.  One row per claim and post, so a
    rejected proposal is never made again.
    """

    __tablename__ = "claim_proposals"
    __table_args__ = (
        UniqueConstraint("source_label_id", "post_id"),
        Index("ix_claim_proposals_status_post_id", "status", "post_id"),
    )

    id: Mapped[intpk]
    source_label_id: Mapped[int] = mapped_column(ForeignKey("labels.id"), index=True)
    post_id: Mapped[post_fk] = mapped_column(index=True)
    exact: Mapped[str] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(Text, default="")
    suffix: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[float] = mapped_column(Float)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12))  # proposed|accepted|rejected
    reason: Mapped[str] = mapped_column(Text, default="")
    label_id: Mapped[int | None] = mapped_column(ForeignKey("labels.id"))
    created_at: Mapped[timestamp]
    decided_by_id: Mapped[user_fk | None]
    decided_at: Mapped[timestamp | None]

    source_label: Mapped[Label] = relationship(foreign_keys=[source_label_id],
                                               lazy="joined")
    decided_by = relationship("User", lazy="joined")


class PostReference(Model):
    """A reference a post writes out as text ("Bagis S, et al. Rheumatology Int
    ... 2012"), found by `forum.citations.references`, offered to moderators.

    It names no identifier, so it waits as `unresolved`; a lookup may add
    `candidates` (PMIDs, DOIs, each with why) for a moderator to confirm.  The
    confirmed work becomes an ordinary citation on the post (`citation_id`).
    """

    __tablename__ = "post_references"
    __table_args__ = (
        UniqueConstraint("post_id", "span_start"),
        Index("ix_post_references_status_post_id", "status", "post_id"),
    )

    id: Mapped[intpk]
    post_id: Mapped[post_fk]
    span_start: Mapped[int] = mapped_column(Integer)
    span_end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # unresolved | confirmed | rejected
    status: Mapped[str] = mapped_column(String(12))
    candidates: Mapped[list[Any]] = mapped_column(JSON, default=list)
    citation_id: Mapped[int | None] = mapped_column(ForeignKey("citations.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[timestamp]
    decided_by_id: Mapped[user_fk | None]
    decided_at: Mapped[timestamp | None]
