"""Citations: one record per work, attached to posts or suggested from their text.

A moderator attaches a citation by pasting an identifier (PMID, PMCID, DOI,
ISBN, arXiv id or URL).  The scan finds identifiers and legacy PubMed links
in post bodies and stores each occurrence as a *suggestion* with its exact
span; the body is never rewritten.  Metadata comes from a lookup (NCBI,
Crossref) when one is configured, and is cached in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import func, insert, select, update

from forum.citations.identifiers import (
    Identifier,
    InvalidIdentifier,
    canonical_url,
    parse_identifier,
)
from forum.citations.scan import FoundCitation, find_citations
from forum.errors import ForumError
from forum.extensions import DbSession
from forum.models import Citation, Post, PostCitation, User
from forum.permissions import CITATION_WRITE, require
from forum.search.sync import reindex_later
from forum.services.audit import record, utcnow
from forum.services.lookup_cache import cached_details
from forum.text.markup import post_plain_text

logger = logging.getLogger(__name__)
MAX_NOTE = 2000
CSL_FIELDS = ("title", "container_title", "issued", "volume", "issue", "page")


class CitationRejected(ForumError):
    """An identifier cannot be read, or a citation cannot be changed as asked."""


class SuggestionDecided(CitationRejected):
    """The suggestion was confirmed or rejected already (perhaps a moment ago)."""


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
    changed = session.execute(
        update(PostCitation)
        .where(PostCitation.id == suggestion.id, PostCitation.status == "suggested")
        .values(status="confirmed" if accept else "rejected",
                decided_by_id=actor.id, decided_at=utcnow())).rowcount
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


def _state(attached: PostCitation, citation: Citation) -> dict:
    """Audit fields: the identifier and status, never the post's words."""
    return {"citation_id": citation.id, "identifier": f"{citation.kind}:"
            f"{citation.identifier}", "status": attached.status,
            "origin": attached.origin, "note": attached.note,
            "in_quote": attached.in_quote}


# -- the scan ----------------------------------------------------------------------


def suggest_citations(session: DbSession, post_ids: Iterable[int],
                      scanned: dict[int, list[FoundCitation]] | None = None) -> int:
    """Scan these posts' bodies; store new suggestions; returns how many.

    Idempotent: an occurrence already suggested (or decided) is left alone.
    Runs on every import batch, so it works batch-wise: body columns only, one
    query for the records (and one insert for the new ones), one for the
    suggestions already there, and one multi-row insert.  `scanned` holds what
    a scan of the stored text already found for some of the posts (an import
    scans ahead, forum.services.analysis); the others are read and scanned here.
    """
    scanned = scanned or {}
    found = {post_id: items for post_id, items in scanned.items() if items}
    unscanned = [post_id for post_id in post_ids if post_id not in scanned]
    if unscanned:
        rows = session.execute(select(Post.id, Post.body_text, Post.body_html).where(
            Post.id.in_(unscanned), Post.is_ghost.is_(False)))
        for post_id, body_text, body_html in rows.all():
            if items := find_citations(post_plain_text(body_text, body_html)):
                found[post_id] = items
    if not found:
        return 0
    records = _record_ids({item.identifier for items in found.values()
                           for item in items}, session)
    seen = set(session.execute(
        select(PostCitation.post_id, PostCitation.citation_id, PostCitation.span_start)
        .where(PostCitation.post_id.in_(list(found)))).all())
    now, new_rows = utcnow(), []
    for post_id, items in found.items():
        for item in items:
            key = (post_id, records[item.identifier], item.start)
            if key not in seen:
                seen.add(key)
                new_rows.append({
                    "post_id": post_id, "citation_id": key[1], "status": "suggested",
                    "origin": "scan", "note": "", "span_start": item.start,
                    "span_end": item.end, "span_text": item.text,
                    "in_quote": item.in_quote, "created_at": now})
    if new_rows:
        session.execute(insert(PostCitation), new_rows)
    return len(new_rows)


def _record_ids(identifiers: set[Identifier], session: DbSession) -> dict:
    """The record id of each identifier; the missing records made in one insert.

    An insert that meets a record another process made meanwhile leaves it be.
    """
    found = _existing_ids(session, identifiers)
    missing = [i for i in identifiers if (i.kind, i.key) not in found]
    if missing:
        now = utcnow()
        session.execute(_insert_new_only(session), [
            {"kind": i.kind, "identifier": i.value, "key": i.key,
             "url": canonical_url(i), "authors": [], "created_at": now}
            for i in missing])
        found.update(_existing_ids(session, missing))
    return {i: found[(i.kind, i.key)] for i in identifiers}


def _existing_ids(session: DbSession, identifiers: Iterable[Identifier]) -> dict:
    by_kind: dict[str, set[str]] = {}
    for identifier in identifiers:
        by_kind.setdefault(identifier.kind, set()).add(identifier.key)
    found = {}
    for kind, keys in by_kind.items():
        keys = sorted(keys)
        for start in range(0, len(keys), 500):
            found.update(((kind, key), citation_id) for key, citation_id in
                         session.execute(select(Citation.key, Citation.id).where(
                             Citation.kind == kind,
                             Citation.key.in_(keys[start:start + 500]))))
    return found


def _insert_new_only(session: DbSession):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(Citation).on_conflict_do_nothing()


# -- reading -----------------------------------------------------------------------


def citations_on_posts(session: DbSession, post_ids: Iterable[int],
                       statuses=("confirmed",)) -> dict[int, list[PostCitation]]:
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
                   csl: dict, source: str) -> Citation:
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


def metadata_fields(csl: dict, title: str = "") -> dict:
    """A record's bibliographic columns as CSL-JSON gives them."""
    fields = {"title": str(csl.get("title") or title or "")[:2000],
              "container_title": str(csl.get("container-title") or "")[:2000],
              "authors": list(csl.get("author") or [])[:200],
              "issued": _issued(csl.get("issued"))}
    for name in ("volume", "issue", "page"):
        fields[name] = str(csl.get(name) or "")[:64]
    return fields


def _issued(value) -> str:
    """CSL `issued` ({"date-parts": [[2001, 5]]}) as "2001-05"."""
    if isinstance(value, dict):
        parts = (value.get("date-parts") or [[]])[0]
        return "-".join(f"{int(p):02d}" if i else str(int(p))
                        for i, p in enumerate(parts[:3]) if str(p).isdigit())
    return str(value or "")[:32]


def csl_json(citation: Citation) -> dict:
    """The record as CSL-JSON, for the API and exports."""
    item = {"id": f"{citation.kind}:{citation.identifier}", "type": "article",
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
                   lookup) -> Citation:
    """Fill a record from NCBI or Crossref (`lookup` None: switched off)."""
    require(actor, CITATION_WRITE)
    from forum.citations.identifiers import Identifier as Id
    from forum.citations.lookup import LookupFailed

    if lookup is None:
        raise CitationRejected("Metadata lookup is switched off "
                               "(set FORUM_CITATION_LOOKUP=1 to use it).")
    if not lookup.handles(citation.kind):
        raise CitationRejected("Only PMIDs, PMCIDs and DOIs can be looked up.")
    try:
        found = lookup.lookup(Id(citation.kind, citation.identifier))
    except LookupFailed as error:
        raise CitationRejected(f"The lookup failed: {error}") from None
    if not found:
        raise CitationRejected("The service does not know this identifier.")
    return apply_metadata(session, actor, citation, found,
                          "ncbi" if citation.kind in ("pmid", "pmcid") else "crossref")
