"""Search as the rest of the app sees it: queries in, visible posts out.

The index only proposes ranked ids; rows are loaded here with the public
visibility rules, so a post hidden a moment ago can never be shown even if
the index has not caught up.  Indexing reads posts from the database and
hands documents to the backend.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from forum.models import (
    Author,
    Citation,
    Group,
    Label,
    LabelKind,
    Post,
    PostCitation,
    PostGroup,
)
from forum.search import SearchHits, ast, get_index
from forum.search.documents import PostDocument, build_document
from forum.search.query import describe, parse_query, positive_terms

logger = logging.getLogger(__name__)
SORTS = ("relevance", "date", "oldest")
CHUNK = 500


@dataclass
class SearchPage:
    """One page of results: posts in rank order, with totals, facets, suggestions."""

    query: ast.Node
    posts: list[Post]
    total: int
    page: int
    per_page: int
    words: list[str]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None

    @property
    def description(self) -> str:
        """The query in words, e.g. "subject contains 'magnesium'"."""
        return describe(self.query)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search_posts(
    session: Session, text: str, *, sort: str = "relevance", page: int = 1,
    per_page: int = 20, group: str | None = None, thread_id: int | None = None,
) -> SearchPage:
    """Run a reader's query; raises BadQuery with a friendly message."""
    node = parse_query(text)
    scoped = _scope(node, group, thread_id)
    sort = sort if sort in SORTS else "relevance"
    index = get_index()
    hits = index.search(scoped, sort=sort, offset=(page - 1) * per_page,
                        limit=per_page)
    words = positive_terms(node)
    return SearchPage(
        query=node, posts=visible_posts(session, hits.ids), total=hits.total,
        page=page, per_page=per_page, words=words, facets=hits.facets,
        suggestion=_suggestion(index, text, words, hits),
    )


def _scope(node: ast.Node, group: str | None, thread_id: int | None) -> ast.Node:
    parts = [node]
    if group:
        parts.append(ast.Exact("group", group.lower()))
    if thread_id:
        parts.append(ast.Exact("thread", str(thread_id)))
    return node if len(parts) == 1 else ast.And(tuple(parts))


def _suggestion(index, text: str, words: list[str], hits: SearchHits) -> str | None:
    """"Did you mean": the query with unknown words replaced, when few results."""
    if hits.total > 5 or not words:
        return None
    fixes = index.suggest(words)
    if not fixes:
        return None
    suggested = text
    for wrong, right in fixes.items():
        suggested = _replace_word(suggested, wrong, right)
    return suggested if suggested != text else None


def _replace_word(text: str, wrong: str, right: str) -> str:
    import re

    return re.sub(rf"(?i)\b{re.escape(wrong)}\b", right, text)


def visible_posts(session: Session, ids: list[int]) -> list[Post]:
    """Posts with these ids that a reader may see, in the given (rank) order."""
    if not ids:
        return []
    rows = session.scalars(
        select(Post).where(Post.id.in_(ids), Post.is_hidden.is_(False),
                           Post.is_ghost.is_(False))
    ).all()
    by_id = {post.id: post for post in rows}
    return [by_id[i] for i in ids if i in by_id]


# -- keeping the index in step -------------------------------------------------


def documents_for(session: Session, post_ids: Iterable[int]
                  ) -> tuple[list[PostDocument], list[int]]:
    """Documents for visible posts, and the ids that must leave the index."""
    post_ids = sorted(set(post_ids))
    docs: list[PostDocument] = []
    gone: set[int] = set(post_ids)
    for start in range(0, len(post_ids), CHUNK):
        chunk = post_ids[start : start + CHUNK]
        groups = _group_names(session, chunk)
        evidence = _evidence(session, chunk)
        for row in session.execute(_document_rows().where(Post.id.in_(chunk))):
            if not row.is_hidden and not row.is_ghost:
                labels, pmids, cited = evidence.get(row.id, ([], [], False))
                docs.append(build_document(row, groups.get(row.id, []), labels,
                                           pmids, cited))
                gone.discard(row.id)
    return docs, sorted(gone)


def _document_rows():
    return (
        select(Post.id, Post.thread_id, Post.subject, Post.body_text, Post.body_html,
               Post.date,
               Post.content_hash, Post.is_hidden, Post.is_ghost,
               Author.name.label("author_name"))
        .outerjoin(Author, Author.id == Post.author_id)
    )


def _evidence(session: Session, post_ids: list[int]) -> dict[int, tuple]:
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


def post_group_names(session: Session, post_ids: list[int]) -> dict[int, list[str]]:
    """The names of the groups each of these posts is listed in."""
    return _group_names(session, post_ids)


def _group_names(session: Session, post_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    rows = session.execute(
        select(PostGroup.post_id, Group.name)
        .join(Group, Group.id == PostGroup.group_id)
        .where(PostGroup.post_id.in_(post_ids))
    )
    for post_id, name in rows:
        names.setdefault(post_id, []).append(name)
    return names


def index_posts(session: Session, post_ids: Iterable[int]) -> int:
    """Bring these posts' index entries in line with the database."""
    docs, gone = documents_for(session, post_ids)
    index = get_index()
    index.delete(gone)
    return index.index(docs)


def open_bulk():
    """A bulk indexer for an import (closes with `.close()`, then searchable)."""
    return get_index().bulk()


def send_to_bulk(bulk, session: Session, new_ids: set[int],
                 changed_ids: set[int]) -> None:
    """Queue one batch's posts: brand-new ones are added, the rest replaced."""
    docs, gone = documents_for(session, new_ids | changed_ids)
    new = [doc for doc in docs if doc.post_id in new_ids]
    changed = [doc for doc in docs if doc.post_id not in new_ids]
    bulk.send(new, changed, gone)


def rebuild_index(session: Session, progress: Callable[[int, int], None] | None = None,
                  batch: int = 2000) -> int:
    """Empty the index and index every visible post again, in batches."""
    index = get_index()
    index.clear()
    ids = list(session.scalars(
        select(Post.id).where(Post.is_ghost.is_(False), Post.is_hidden.is_(False))
        .order_by(Post.id)
    ))
    done = 0
    for start in range(0, len(ids), batch):
        docs, _gone = documents_for(session, ids[start : start + batch])
        done += index.index(docs)
        if progress:
            progress(done, len(ids))
    return done


@dataclass
class VerifyReport:
    missing: list[int]
    stale: list[int]
    extra: list[int]
    fixed: bool = False


def verify_index(session: Session, fix: bool = False) -> VerifyReport:
    """Compare the index with the database: missing, stale and extra posts."""
    indexed = get_index().stamps()
    expected: dict[int, str] = {}
    ids = list(session.scalars(
        select(Post.id).where(Post.is_ghost.is_(False), Post.is_hidden.is_(False))
    ))
    for start in range(0, len(ids), CHUNK):
        docs, _ = documents_for(session, ids[start : start + CHUNK])
        expected.update((doc.post_id, doc.stamp) for doc in docs)
    report = VerifyReport(
        missing=sorted(set(expected) - set(indexed)),
        stale=sorted(i for i in expected if i in indexed and indexed[i] != expected[i]),
        extra=sorted(set(indexed) - set(expected)),
    )
    if fix and (report.missing or report.stale or report.extra):
        index_posts(session, report.missing + report.stale + report.extra)
        report.fixed = True
    return report
