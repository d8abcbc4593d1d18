"""Search over the full 20 Newsgroups import, checked against the corpus itself."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Author, Group, Post, PostGroup
from forum.search import get_index
from forum.search.documents import split_new_and_quoted
from forum.services.search import search_posts, verify_index

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def archive(newsgroups_app):
    """The whole corpus imported once per database, into an on-disk index."""
    assert newsgroups_app.extensions["test_snapshot"].report["imported"] == 19_466
    return newsgroups_app


@pytest.fixture
def ctx(archive):
    with archive.app_context():
        yield
        db.session.rollback()


def found(query: str, **scope) -> set[int]:
    page = search_posts(db.session, query, per_page=1000, **scope)
    assert page.total == len(page.posts)
    return {post.id for post in page.posts}


def posts_where(test, group: str | None = None) -> set[int]:
    """Ids of visible posts (optionally in a group) for which test(row) holds."""
    stmt = (select(Post.id, Post.subject, Post.body_text, Post.date, Author.name)
            .outerjoin(Author, Author.id == Post.author_id)
            .where(Post.is_ghost.is_(False), Post.is_hidden.is_(False)))
    if group:
        stmt = (stmt.join(PostGroup, PostGroup.post_id == Post.id)
                .join(Group, Group.id == PostGroup.group_id)
                .where(Group.name == group))
    return {row.id for row in db.session.execute(stmt) if test(row)}


def has_word(text: str | None, word: str) -> bool:
    return bool(re.search(rf"\b{word}\b", (text or "").casefold()))


def test_an_ended_import_is_fully_searchable(ctx):
    report = verify_index(db.session)
    assert (report.missing, report.stale, report.extra) == ([], [], [])


def test_magnesium_finds_bodies_not_path_headers(ctx):
    in_bodies = posts_where(lambda r: has_word(r.body_text, "magnesium"), "sci.med")
    assert len(in_bodies) == 7
    assert found("magnesium", group="sci.med") == in_bodies
    raw_sources = db.session.scalar(
        select(Post.id).where(Post.body_text.contains("magnesium.club.cc.cmu.edu"))
    )
    assert raw_sources is None  # the relay host lives only in Path headers


@pytest.mark.parametrize(
    ("query", "test"),
    [
        ("s:candida", lambda r: has_word(r.subject, "candida")),
        ("f:banks", lambda r: has_word(r.name, "banks")),
        ("nq:magnesium",
         lambda r: has_word(split_new_and_quoted(r.body_text)[0], "magnesium")),
        ("q:magnesium",
         lambda r: has_word(split_new_and_quoted(r.body_text)[1], "magnesium")),
    ],
    ids=["subject", "author", "new-text", "quoted-text"],
)
def test_field_operators_match_the_corpus(ctx, query, test):
    expected = posts_where(test)
    assert expected, "the corpus should hold examples"
    assert found(query) == expected
    assert found(query) <= found(query.split(":", 1)[1])


def test_dates_narrow_as_documented(ctx):
    start, end = datetime(1993, 4, 15), datetime(1993, 4, 21)
    expected = posts_where(
        lambda r: has_word(r.body_text, "doctor") and r.date and start <= r.date < end,
        "sci.med",
    )
    got = found("nq:doctor OR q:doctor d:1993-04-15..1993-04-20", group="sci.med")
    assert got == expected and 0 < len(got) < len(found("doctor", group="sci.med"))


def test_a_hidden_post_disappears_at_once(ctx):
    """Hiding drops the post from results and, after commit, from the index."""
    before = found("magnesium", group="sci.med")
    victim = db.session.get(Post, min(before))
    victim.is_hidden = True
    db.session.commit()
    try:
        assert found("magnesium", group="sci.med") == before - {victim.id}
        assert victim.id not in get_index().stamps()
    finally:
        victim.is_hidden = False
        db.session.commit()
    assert found("magnesium", group="sci.med") == before
    assert victim.id in get_index().stamps()


# Real queries whose hit counts every backend must agree on: no backend stems,
# all split words the same way (forum.search.words), URLs and hosts included.
AGREEMENT_QUERIES = [
    "magnesium", "doctor", "edu", "cmu.edu", '"blood pressure"',
    '"side effects"', "s:cancer", "f:banks", "calcium OR potassium",
    "migraine -headache", "vitam*", "group:sci.med diet", "d:1993-04 drug",
    "q:doctor", "nq:doctor", "b:yeast s:candida", "before:1993-04-10 msg",
    "(aids OR hiv) -group:sci.med", "thisworddoesnotexist",
]


@pytest.fixture(scope="module")
def other_engine(archive):
    """The same visible posts indexed by a second engine, from the same rows.

    Whoosh beside the default tantivy on SQLite; tantivy beside the postgres
    backend on PostgreSQL.  Built in memory: the rows, not the disk, matter.
    """
    from forum.search.backends import make_backend
    from forum.search.documents import documents_for, visible_post_ids

    with archive.app_context():
        kind = "tantivy-ram" if get_index().name == "postgres" else "whoosh-ram"
        other = make_backend(kind, None)
        ids = visible_post_ids(db.session)
        with other.writer(bulk=True) as writer:
            for start in range(0, len(ids), 2000):
                docs, _gone = documents_for(db.session, ids[start:start + 2000])
                writer.add(docs, new=True)
            writer.commit()
        db.session.rollback()
    return other


@pytest.mark.parametrize("query", AGREEMENT_QUERIES)
def test_backends_agree_on_hit_counts(ctx, other_engine, query):
    from forum.search.query import parse_query

    node = parse_query(query)
    ours = get_index().search(node, limit=5, facets=False)
    theirs = other_engine.search(node, limit=5, facets=False)
    assert ours.total == theirs.total
    assert (ours.total > 0) == (query != "thisworddoesnotexist")
