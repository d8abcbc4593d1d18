"""`flask search query|optimize` from the shell, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post
from tests.evidence.conftest import SEED_THREAD


@pytest.fixture
def archive(app, import_sources):
    import_sources(SEED_THREAD, fmt="google-groups", group="alt.support.fibromyalgia")
    return app


def run(app, *args):
    return app.test_cli_runner().invoke(args=["search", *args])


def test_a_query_prints_date_group_author_subject_and_permalink(archive):
    result = run(archive, "query", "f:london", "magnesium")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines
    for line in lines:
        date, group, author, subject, link = line.split("  ", 4)
        assert len(date) == 16 and date[:4].isdigit()
        assert group == "alt.support.fibromyalgia"
        assert "London" in author and subject
        assert "/p/" in link
    assert f"{len(lines)} of {len(lines):,} matching posts" in result.stderr


def test_json_hits_carry_id_and_permalink_and_respect_the_limit(archive):
    result = run(archive, "query", "magnesium", "--json", "--limit", "2")
    assert result.exit_code == 0
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(hits) == 2
    for hit in hits:
        post = db.session.get(Post, hit["id"])
        assert hit["permalink"].endswith(f"/p/{post.permalink}/")
        assert set(hit) >= {"id", "date", "groups", "author", "subject", "permalink"}
        assert "@" not in json.dumps(hit).replace("/p/", "")


def test_exit_status_is_1_for_no_match_and_2_for_a_bad_query(archive):
    nothing = run(archive, "query", "zzzqqqxxx")
    assert nothing.exit_code == 1 and nothing.stdout == ""
    bad = run(archive, "query", "(magnesium")
    assert bad.exit_code == 2
    assert 'Unclosed bracket: add a ) to close "(magnesium"' in bad.stderr
    flags = run(archive, "query", "is:flagged")
    assert flags.exit_code == 2 and "moderators" in flags.stderr


def test_hidden_posts_are_never_printed(archive):
    found = run(archive, "query", "magnesium", "--json", "--limit", "1000")
    first = json.loads(found.stdout.splitlines()[0])
    post = db.session.get(Post, first["id"])
    post.is_hidden = True
    db.session.commit()
    again = run(archive, "query", "magnesium", "--json", "--limit", "1000")
    shown = [json.loads(line)["id"] for line in again.stdout.splitlines()]
    assert shown and first["id"] not in shown


def test_optimize_says_where_the_index_is(archive):
    result = run(archive, "optimize")
    assert result.exit_code == 0 and result.stdout.startswith("index optimized (")
    assert run(archive, "query", "magnesium").exit_code == 0
    if db.engine.dialect.name != "postgresql":
        refused = run(archive, "optimize", "--rum")
        assert refused.exit_code == 2 and "postgres backend only" in refused.stderr


def test_optimize_rum_moves_postgres_to_rum_and_answers_the_same(archive):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("RUM is an index of PostgreSQL")
    available = db.session.scalar(select(1).select_from(
        db.text("pg_available_extensions")).where(db.text("name = 'rum'")))
    before = run(archive, "query", "magnesium", "--json", "--limit", "1000").stdout
    result = run(archive, "optimize", "--rum")
    if not available:
        assert result.exit_code == 1 and "postgresql-15-rum" in result.stderr
        return
    assert result.exit_code == 0 and "rum index" in result.stdout
    after = run(archive, "query", "magnesium", "--json", "--limit", "1000").stdout
    assert sorted(before.splitlines()) == sorted(after.splitlines())
