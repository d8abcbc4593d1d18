"""Search as the rest of the app sees it: queries in, visible posts out.

The index only proposes ranked ids; rows are loaded here with the public
visibility rules, so a post hidden a moment ago can never be shown even if
the index has not caught up.  Upkeep (rebuild, verify) lives here too; the
index follows ordinary changes by itself (`forum.search.sync`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from forum.extensions import DbSession
from forum.models import Post
from forum.permissions import FLAG_RESOLVE, has_permission
from forum.search import SORTS, SearchHits, SearchIndex, ast, get_index, rebuilding
from forum.search import index_notice as index_notice  # for the dashboard
from forum.search.bulk import ImportIndexing
from forum.search.documents import (
    busy_posts,
    documents_for,
    group_names,
    visible_post_ids,
)
from forum.search.query import parse_query
from forum.search.query_explain import asks_for_flags, describe, positive_terms
from forum.search.query_operators import BadQuery
from forum.search.sync import (
    delete_outbox_rows,
    drain_outbox,
    outbox_rows,
    outbox_size,
    write_documents,
)
from forum.services.visibility import VISIBLE

logger = logging.getLogger(__name__)
REBUILD_BATCH = 2000
# A download of a search's results holds at most this many posts, read from
# the index this many ids at a time.
EXPORT_LIMIT = 10_000
EXPORT_BATCH = 1000


@dataclass
class SearchPage:
    """One page of results: posts in rank order, with totals, facets, suggestions."""

    query: ast.Node
    posts: list[Post]
    total: int
    page: int
    per_page: int
    words: list[str]
    facets: Mapping[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None

    @property
    def description(self) -> str:
        """The query in words, e.g. "subject contains 'magnesium'"."""
        return describe(self.query)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search_posts(
    session: DbSession, text: str, *, sort: str = "relevance", page: int = 1,
    per_page: int = 20, group: str | None = None, thread_id: int | None = None,
    facets: bool = True, viewer: object = None,
) -> SearchPage:
    """Run a reader's query; raises BadQuery with a friendly message.

    `viewer` is the signed-in user, if any: `is:flagged` is theirs only if
    they may resolve flags.
    """
    node, scoped = _reader_query(text, group, thread_id, viewer)
    sort = sort if sort in SORTS else "relevance"
    index = get_index()
    hits = index.search(scoped, sort=sort, offset=(page - 1) * per_page,
                        limit=per_page, facets=facets)
    words = positive_terms(node)
    return SearchPage(
        query=node, posts=visible_posts(session, hits.ids), total=hits.total,
        page=page, per_page=per_page, words=words, facets=hits.facets,
        suggestion=_suggestion(session, index, text, words, hits),
    )


def matching_post_ids(text: str, *, sort: str = "relevance",
                      group: str | None = None, thread_id: int | None = None,
                      viewer: object = None,
                      limit: int = EXPORT_LIMIT) -> tuple[list[int], int]:
    """The ids of the first `limit` matches in `sort` order, and how many
    match in all: what a download of a search's results holds.

    The ids come from the index, which may lag a moderator by a moment, so
    whoever reads the posts filters them by visibility again.
    """
    _node, scoped = _reader_query(text, group, thread_id, viewer)
    sort = sort if sort in SORTS else "relevance"
    index, total = get_index(), 0
    ids: list[int] = []
    while len(ids) < limit:
        hits = index.search(scoped, sort=sort, offset=len(ids),
                            limit=min(EXPORT_BATCH, limit - len(ids)), facets=False)
        total = hits.total
        ids.extend(hits.ids)
        if not hits.ids or len(ids) >= total:
            break
    return ids, total


def _reader_query(text: str, group: str | None, thread_id: int | None,
                  viewer: object) -> tuple[ast.Node, ast.Node]:
    """The parsed query and the same scoped to a group or a thread."""
    node = parse_query(text)
    if asks_for_flags(node) and not has_permission(viewer, FLAG_RESOLVE):
        raise BadQuery("is:flagged finds posts readers have flagged, which only "
                       "moderators see: sign in as a moderator to use it")
    return node, _scope(node, group, thread_id)


def _scope(node: ast.Node, group: str | None, thread_id: int | None) -> ast.Node:
    parts = [node]
    if group:
        parts.append(ast.Exact("group", group.lower()))
    if thread_id:
        parts.append(ast.Exact("thread", str(thread_id)))
    return node if len(parts) == 1 else ast.And(tuple(parts))


def _suggestion(session: DbSession, index: SearchIndex, text: str, words: list[str],
                hits: SearchHits) -> str | None:
    """"Did you mean": the query with unknown words replaced, when few results.

    A replacement is offered only if it finds a post a reader may see: an
    index's word list can still hold words of posts hidden or redacted since.
    """
    if hits.total > 5 or not words:
        return None
    fixes = {wrong: right for wrong, right in index.suggest(words).items()
             if _finds_visible(session, index, right)}
    if not fixes:
        return None
    suggested = text
    for wrong, right in fixes.items():
        suggested = re.sub(rf"(?i)\b{re.escape(wrong)}\b", right, suggested)
    return suggested if suggested != text else None


def _finds_visible(session: DbSession, index: SearchIndex, word: str) -> bool:
    found = index.search(ast.Term(word), limit=20, facets=False)
    return bool(visible_posts(session, found.ids))


def visible_posts(session: DbSession, ids: list[int]) -> list[Post]:
    """Posts with these ids that a reader may see, in the given (rank) order."""
    if not ids:
        return []
    rows = session.scalars(
        select(Post).where(Post.id.in_(ids), *VISIBLE)
    ).all()
    by_id = {post.id: post for post in rows}
    return [by_id[i] for i in ids if i in by_id]


def post_group_names(session: DbSession, post_ids: list[int]) -> dict[int, list[str]]:
    """The names of the groups each of these posts is listed in."""
    return group_names(session, post_ids)


# -- keeping the index in step -------------------------------------------------


def index_posts(session: DbSession, post_ids: Iterable[int]) -> int:
    """Bring these posts' index entries in line with the database now."""
    index = get_index()
    if index.in_database:
        return write_documents(session, index, post_ids)
    docs, gone = documents_for(session, post_ids)
    with index.writer() as writer:
        assert writer is not None, "a writer waited for is always given"
        writer.delete(gone)
        writer.add(docs)
        writer.commit()
    return len(docs)


def import_indexing(session: DbSession) -> ImportIndexing:
    """How an import keeps the index in step (see ImportIndexing)."""
    return ImportIndexing(get_index(), session)


def apply_pending(session: DbSession, wait: bool = True) -> int:
    """Apply every queued index change now (waiting for the writer if asked)."""
    index = get_index()
    if index.in_database:
        return 0
    from forum.extensions import db

    return drain_outbox(index, lambda: Session(bind=db.engine), wait=wait)


def rebuild_index(session: DbSession,
                  progress: Callable[[int, int], None] | None = None,
                  batch: int = REBUILD_BATCH) -> int:
    """Index every visible post again.

    An index on disk is built in one writer, and searches see the old index
    until the end; an archive still on an earlier version's Whoosh index is
    rebuilt into tantivy, the new default, and switches to it at the end.
    An index in the database is rewritten batch by batch instead (see
    _rebuild_in_database).
    """
    covered = [row_id for row_id, _post, _bulk in outbox_rows(session)]
    ids = visible_post_ids(session)  # after: every covered row's post is here
    session.rollback()
    if get_index().in_database:
        return _rebuild_in_database(session, get_index(), ids, covered, batch,
                                    progress)
    done = 0
    with rebuilding() as index, index.writer(bulk=True, session=session) as writer:
        assert writer is not None, "a writer waited for is always given"
        writer.clear()
        for start in range(0, len(ids), batch):
            docs, _gone = documents_for(session, ids[start : start + batch])
            session.rollback()
            writer.add(docs, new=True)
            done += len(docs)
            if progress:
                progress(done, len(ids))
        writer.commit()
    apply_pending(session)
    return done


def _rebuild_in_database(session: DbSession, index: SearchIndex, ids: list[int],
                         covered: list[int], batch: int,
                         progress: Callable[[int, int], None] | None) -> int:
    """Rewrite each visible post's document in short transactions, then drop
    the documents of posts no longer visible.

    Nothing is cleared first: one long transaction that deleted every
    document held up every moderator's write to the index until it ended,
    and could resurrect a post hidden meanwhile (found in review).  Posts
    another transaction is changing are skipped; that transaction writes
    their documents itself.
    """
    done = 0
    for start in range(0, len(ids), batch):
        done += _rewrite(session, index, ids[start : start + batch])
        if progress:
            progress(min(start + batch, len(ids)), len(ids))
    # Then the documents of posts hidden, ghosts or gone since they were
    # indexed (re-checked under the lock: a post shown again keeps its own).
    extra = sorted(set(index.stamps()) - set(visible_post_ids(session)))
    for start in range(0, len(extra), batch):
        _rewrite(session, index, extra[start : start + batch])
    delete_outbox_rows(session, covered)  # their posts were all written above
    return done


def _rewrite(session: DbSession, index: SearchIndex, post_ids: list[int]) -> int:
    """Write these posts' documents (or drop them) in one short transaction,
    but for posts another transaction is changing; how many were written."""
    busy = busy_posts(session, post_ids)
    docs, gone = documents_for(session, [i for i in post_ids if i not in busy])
    with index.writer(session=session) as writer:
        assert writer is not None, "a writer waited for is always given"
        writer.delete(gone)
        writer.add(docs, new=True)
    session.commit()
    return len(docs)


@dataclass
class VerifyReport:
    missing: list[int]
    stale: list[int]
    extra: list[int]
    pending: int = 0
    fixed: bool = False

    @property
    def drift(self) -> int:
        return len(self.missing) + len(self.stale) + len(self.extra)


def verify_index(session: DbSession, fix: bool = False) -> VerifyReport:
    """Compare the index with the database: missing, stale and extra posts.

    Queued changes are applied first (if the writer is free), so what is
    reported is drift, not work in flight; `pending` counts what stays queued.
    """
    apply_pending(session, wait=False)
    indexed = get_index().stamps()
    expected: dict[int, str] = {}
    ids = visible_post_ids(session)
    for start in range(0, len(ids), REBUILD_BATCH):
        docs, _ = documents_for(session, ids[start : start + REBUILD_BATCH])
        expected.update((doc.post_id, doc.stamp) for doc in docs)
    report = VerifyReport(
        missing=sorted(set(expected) - set(indexed)),
        stale=sorted(i for i in expected if i in indexed and indexed[i] != expected[i]),
        extra=sorted(set(indexed) - set(expected)),
        pending=outbox_size(session),
    )
    if fix and report.drift:
        index_posts(session, report.missing + report.stale + report.extra)
        session.commit()
        report.fixed = True
    return report
