"""Citations: one record per work, attached to posts or suggested from their text.

A moderator attaches a citation by pasting an identifier (PMID, PMCID, DOI,
ISBN, arXiv id or URL).  The scan (`citation_scan`, beside this module) finds
identifiers and legacy PubMed links in post bodies and stores each occurrence
as a *suggestion* with its exact span; the body is never rewritten.  Metadata
comes from a lookup (NCBI, Crossref) when one is configured, and is cached in
the database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, func, select, update

from forum.citations.identifiers import parse_identifier
from forum.citations.kinds import Identifier, InvalidIdentifier, canonical_url
from forum.errors import ForumError
from forum.extensions import DbSession
from forum.models import Citation, Post, PostCitation, User
from forum.permissions import CITATION_WRITE, require
from forum.search.sync import reindex_later
from forum.services.audit import record, utcnow
from forum.services.lookup_cache import cached_details

__all__ = [
    "CSL_FIELDS", "MAX_NOTE", "CitationRejected", "MetadataLookup",
    "SuggestionDecided", "apply_metadata", "attach_citation", "citation_for",
    "citations_from_text", "citations_on_posts", "csl_json", "decide_suggestion",
    "detach_citation", "fetch_metadata", "link_label_citations", "metadata_fields",
    "posts_citing", "posts_with_suggestions", "read_identifier", "suggestion_count",
]

logger = logging.getLogger(__name__)
MAX_NOTE = 2000
CSL_FIELDS = ("title", "container_title", "issued", "volume", "issue", "page")


class CitationRejected(ForumError):
    """An identifier cannot be read, or a citation cannot be changed as asked."""


class SuggestionDecided(CitationRejected):
    """The suggestion was confirmed or rejected already (perhaps a moment ago)."""


class MetadataLookup(Protocol):
    """NCBI or Crossref behind the lookup cache (`forum.citations.lookup`)."""

    def handles(self, kind: str) -> bool: ...

    def lookup(self, identifier: Identifier) -> dict[str, Any] | None: ...


def read_identifier(text: str) -> Identifier:
    """Parse what a moderator pasted; a friendly CitationRejected if unreadable."""
    try:
        return parse_identifier(text)
    except InvalidIdentifier as error:
        raise CitationRejected(str(error)) from None


def citation_for(session: DbSession, identifier: Identifier) -> Citation:
    """The shared record for this work, created on first use."""
    found = session.scalar(select(Citation).where(
        Citation.kind == identifier.kind, Citation.key == identifier.key))
    if found is not None:
        return found
    citation = Citation(kind=identifier.kind, identifier=identifier.value,
                        key=identifier.key, url=canonical_url(identifier),
                        authors=[], created_at=utcnow())
    session.add(citation)
    session.flush()
    details = cached_details(session, identifier)
    if details:  # looked up before, or loaded from a file
        apply_metadata(session, None, citation, details, "cache")
    return citation


def citations_from_text(session: DbSession, lines: str) -> list[Citation]:
    """Records for identifiers given one per line (blank lines ignored)."""
    found: list[Citation] = []
    for line in lines.splitlines():
        if line.strip():
            citation = citation_for(session, read_identifier(line))
            if citation not in found:
                found.append(citation)
    return found


def attach_citation(session: DbSession, actor: User, post: Post, text: str,
                    note: str = "") -> PostCitation:
    """A moderator attaches a work to a post, with an optional note."""
    require(actor, CITATION_WRITE)
    citation = citation_for(session, read_identifier(text))
    existing = session.scalar(select(PostCitation).where(
        PostCitation.post_id == post.id, PostCitation.citation_id == citation.id,
        PostCitation.origin != "scan"))
    if existing is not None and existing.status == "confirmed":
        raise CitationRejected("This citation is already attached to the post.")
    attached = existing or PostCitation(post_id=post.id, citation_id=citation.id,
                                        origin="moderator", created_at=utcnow(),
                                        created_by_id=actor.id)
    attached.status, attached.note = "confirmed", note.strip()[:MAX_NOTE]
    attached.decided_by_id, attached.decided_at = actor.id, utcnow()
    session.add(attached)
    session.flush()
    record(session, actor, "citation.attach", target_type="post_citation",
           target_id=attached.id, post_id=post.id, reason=citation.kind,
           after=_state(attached, citation))
    return attached


def link_label_citations(session: DbSession, actor: User, post: Post,
                         citations: Iterable[Citation]) -> None:
    """A label's citations are also the post's (its citation pages list it)."""
    for citation in citations:
        exists = session.scalar(select(PostCitation.id).where(
            PostCitation.post_id == post.id, PostCitation.citation_id == citation.id,
            PostCitation.status == "confirmed"))
        if exists is None:
            session.add(PostCitation(
                post_id=post.id, citation_id=citation.id, status="confirmed",
                origin="label", created_at=utcnow(), created_by_id=actor.id,
                decided_by_id=actor.id, decided_at=utcnow()))
    session.flush()


def decide_suggestion(session: DbSession, actor: User, suggestion: PostCitation,
                      accept: bool, why: str = "") -> PostCitation:
    """Confirm or reject a citation the scan suggested, once.

    A suggestion already decided is refused (the post's page and the review
    queue may both show it, and two moderators may race): the status only
    changes where it is still "suggested" in the database, so the second of
    two concurrent decisions changes nothing and records nothing.
    """
    require(actor, CITATION_WRITE)
    if suggestion.origin != "scan":
        raise CitationRejected("Only suggested citations are confirmed or rejected.")
    if suggestion.status != "suggested":
        raise SuggestionDecided(f"That suggestion was {suggestion.status} already.")
    before = _state(suggestion, suggestion.citation)
    changed = cast(CursorResult[Any], session.execute(
        update(PostCitation)
        .where(PostCitation.id == suggestion.id, PostCitation.status == "suggested")
        .values(status="confirmed" if accept else "rejected",
                decided_by_id=actor.id, decided_at=utcnow()))).rowcount
    if changed != 1:
        session.refresh(suggestion)
        raise SuggestionDecided(f"That suggestion was {suggestion.status} already.")
    reindex_later(session, [suggestion.post_id])  # has:citation follows
    record(session, actor, "citation.confirm" if accept else "citation.reject",
           target_type="post_citation", target_id=suggestion.id,
           post_id=suggestion.post_id, reason=suggestion.citation.kind, why=why,
           before=before, after=_state(suggestion, suggestion.citation))
    return suggestion


def detach_citation(session: DbSession, actor: User, attached: PostCitation,
                    why: str) -> None:
    """Withdraw a confirmed citation from a post (the record stays)."""
    require(actor, CITATION_WRITE)
    if not why.strip():
        raise CitationRejected("Say why the citation is removed.")
    before = _state(attached, attached.citation)
    attached.status = "rejected"
    attached.decided_by_id, attached.decided_at = actor.id, utcnow()
    session.flush()
    record(session, actor, "citation.detach", target_type="post_citation",
           target_id=attached.id, post_id=attached.post_id, why=why, before=before,
           after=_state(attached, attached.citation))


def _state(attached: PostCitation, citation: Citation) -> dict[str, Any]:
    """Audit fields: the identifier and status, never the post's words."""
    return {"citation_id": citation.id, "identifier": f"{citation.kind}:"
            f"{citation.identifier}", "status": attached.status,
            "origin": attached.origin, "note": attached.note,
            "in_quote": attached.in_quote}


# -- reading -----------------------------------------------------------------------


def citations_on_posts(session: DbSession, post_ids: Iterable[int],
                       statuses: tuple[str, ...] = ("confirmed",)
                       ) -> dict[int, list[PostCitation]]:
    """Citations per post with these statuses, in the order they were added."""
    post_ids = list(post_ids)
    if not post_ids:
        return {}
    found: dict[int, list[PostCitation]] = {}
    for row in session.scalars(select(PostCitation).where(
            PostCitation.post_id.in_(post_ids), PostCitation.status.in_(statuses))
            .order_by(PostCitation.post_id, PostCitation.span_start.is_(None),
                      PostCitation.span_start, PostCitation.id)):
        found.setdefault(row.post_id, []).append(row)
    return found


def posts_citing(session: DbSession, citation: Citation) -> list[Post]:
    """Visible posts that cite this work (confirmed), oldest first."""
    citing = select(PostCitation.post_id).where(
        PostCitation.citation_id == citation.id, PostCitation.status == "confirmed")
    return list(session.scalars(
        select(Post).where(Post.id.in_(citing), Post.is_hidden.is_(False),
                           Post.is_ghost.is_(False))
        .order_by(Post.date, Post.id)))


def suggestion_count(session: DbSession) -> int:
    return session.scalar(select(func.count(PostCitation.id)).where(
        PostCitation.status == "suggested")) or 0


def apply_metadata(session: DbSession, actor: User | None, citation: Citation,
                   csl: dict[str, Any], source: str) -> Citation:
    """Fill a record's bibliographic fields from CSL-JSON (lookup or moderator)."""
    before = {f: getattr(citation, f) for f in CSL_FIELDS}
    for name, value in metadata_fields(csl, citation.title).items():
        setattr(citation, name, value)
    citation.metadata_source, citation.metadata_at = source, utcnow()
    session.flush()
    record(session, actor, "citation.metadata", target_type="citation",
           target_id=citation.id, reason=source, before=before,
           after={f: getattr(citation, f) for f in CSL_FIELDS})
    return citation


def metadata_fields(csl: dict[str, Any], title: str = "") -> dict[str, Any]:
    """A record's bibliographic columns as CSL-JSON gives them."""
    fields: dict[str, Any] = {"title": str(csl.get("title") or title or "")[:2000],
              "container_title": str(csl.get("container-title") or "")[:2000],
              "authors": list(csl.get("author") or [])[:200],
              "issued": _issued(csl.get("issued"))}
    for name in ("volume", "issue", "page"):
        fields[name] = str(csl.get(name) or "")[:64]
    return fields


def _issued(value: object) -> str:
    """CSL `issued` ({"date-parts": [[2001, 5]]}) as "2001-05"."""
    if isinstance(value, dict):
        parts = (value.get("date-parts") or [[]])[0]
        return "-".join(f"{int(p):02d}" if i else str(int(p))
                        for i, p in enumerate(parts[:3]) if str(p).isdigit())
    return str(value or "")[:32]


def csl_json(citation: Citation) -> dict[str, Any]:
    """The record as CSL-JSON, for the API and exports."""
    item: dict[str, Any] = {
        "id": f"{citation.kind}:{citation.identifier}", "type": "article",
        "title": citation.title, "author": citation.authors,
        "container-title": citation.container_title, "volume": citation.volume,
        "issue": citation.issue, "page": citation.page, "URL": citation.url}
    if citation.issued:
        item["issued"] = {"date-parts": [[int(p) for p in citation.issued.split("-")
                                          if p.isdigit()]]}
    ids = {"pmid": "PMID", "pmcid": "PMCID", "doi": "DOI", "isbn": "ISBN"}
    if citation.kind in ids:
        item[ids[citation.kind]] = citation.identifier
    return {key: value for key, value in item.items() if value not in ("", [], None)}


def posts_with_suggestions(session: DbSession, limit: int = 25
                           ) -> list[tuple[Post, int]]:
    """Posts with suggestions waiting for a moderator, most suggestions first.

    Ranked from the (status, post_id) index before any post is read, so only
    `limit` posts are loaded (not one per waiting post: 40,000 in the bench).
    """
    count = func.count(PostCitation.post_id).label("n")
    ghosts = select(Post.id).where(Post.is_ghost.is_(True))
    waiting = (select(PostCitation.post_id, count)
               .where(PostCitation.status == "suggested",
                      PostCitation.post_id.not_in(ghosts))
               .group_by(PostCitation.post_id)
               .order_by(count.desc(), PostCitation.post_id).limit(limit).subquery())
    rows = session.execute(
        select(Post, waiting.c.n).join(waiting, waiting.c.post_id == Post.id)
        .order_by(waiting.c.n.desc(), Post.id))
    return [(post, n) for post, n in rows]


def fetch_metadata(session: DbSession, actor: User, citation: Citation,
                   lookup: MetadataLookup | None) -> Citation:
    """Fill a record from NCBI or Crossref (`lookup` None: switched off)."""
    require(actor, CITATION_WRITE)
    from forum.citations.lookup import LookupFailed

    if lookup is None:
        raise CitationRejected("Metadata lookup is switched off "
                               "(set FORUM_CITATION_LOOKUP=1 to use it).")
    if not lookup.handles(citation.kind):
        raise CitationRejected("Only PMIDs, PMCIDs and DOIs can be looked up.")
    try:
        found = lookup.lookup(Identifier(citation.kind, citation.identifier))
    except LookupFailed as error:
        raise CitationRejected(f"The lookup failed: {error}") from None
    if not found:
        raise CitationRejected("The service does not know this identifier.")
    return apply_metadata(session, actor, citation, found,
                          "ncbi" if citation.kind in ("pmid", "pmcid") else "crossref")
