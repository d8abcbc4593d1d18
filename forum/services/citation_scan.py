"""The citation scan: identifiers in post bodies stored as suggestions.

The scan finds identifiers and legacy PubMed links in post bodies and stores
each occurrence as a *suggestion* with its exact span, for a moderator to
confirm or reject (`citations.decide_suggestion`); the body is never
rewritten.  It runs on every import batch, so it works batch-wise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import Executable, insert, select

from forum.citations.kinds import Identifier, canonical_url
from forum.citations.scan import FoundCitation, find_citations
from forum.extensions import DbSession
from forum.models import Citation, Post, PostCitation
from forum.services.audit import utcnow
from forum.text.markup import post_plain_text


def suggest_citations(session: DbSession, post_ids: Iterable[int],
                      scanned: Mapping[int, Sequence[FoundCitation]] | None = None
                      ) -> int:
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
        .where(PostCitation.post_id.in_(list(found)))).tuples().all())
    now, new_rows = utcnow(), []
    for post_id, in_post in found.items():
        for item in in_post:
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


def _record_ids(identifiers: set[Identifier], session: DbSession
                ) -> dict[Identifier, int]:
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


def _existing_ids(session: DbSession, identifiers: Iterable[Identifier]
                  ) -> dict[tuple[str, str], int]:
    by_kind: dict[str, set[str]] = {}
    for identifier in identifiers:
        by_kind.setdefault(identifier.kind, set()).add(identifier.key)
    found: dict[tuple[str, str], int] = {}
    for kind, key_set in by_kind.items():
        keys = sorted(key_set)
        for start in range(0, len(keys), 500):
            found.update(((kind, key), citation_id) for key, citation_id in
                         session.execute(select(Citation.key, Citation.id).where(
                             Citation.kind == kind,
                             Citation.key.in_(keys[start:start + 500]))))
    return found


def _insert_new_only(session: DbSession) -> Executable:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(Citation).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(Citation).on_conflict_do_nothing()


