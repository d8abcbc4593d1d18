"""Migration 0017 gives posts stored before it the name an import stores now.

Each post keeps the display name of its own From (`posts.author_name`).  For
an archive imported before that column, the migration reads the name again
from each post's kept original, with the importer's own decoding, and falls
back to the author's name where no original was kept.  Both databases must
end up where a fresh import is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text

from forum import create_app
from forum.extensions import db
from forum.migrate import upgrade
from forum.models import Author, Post
from forum.services.accounts import create_user
from forum.services.takedown_authors import pseudonymise_author
from forum.services.takedown_purge import purge_post
from importers.runner import ImportOptions, ImportRunner
from tests.helpers import REPO
from tests.processes import column_by_message_id, migrate, scratch_database

NAMES = REPO / "tests" / "data" / "from-one-address-two-names.mbox"
LATER = """From aepan@example.org Tue Oct 17 10:00:00 2000
From: Sasha <aepan@example.org>
Subject: Re: Magnesium at night
Date: Tue, 17 Oct 2000 10:00:00 +0000
Message-ID: <fifth@names.example>
In-Reply-To: <third@names.example>

Still sleeping well.
"""


def _names(url: str) -> dict[str, str | None]:
    return column_by_message_id(url, "author_name")


def _queued(url: str) -> list[str]:
    """The posts waiting in the search outbox."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(text(
                "SELECT message_id FROM posts JOIN search_outbox "
                "ON search_outbox.post_id = posts.id ORDER BY message_id")))
    finally:
        engine.dispose()


@contextmanager
def _archive(url: str, tmp_path) -> Iterator[None]:
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": url,
                      "FORUM_DATA_DIR": str(tmp_path / "data"),
                      "FORUM_SEARCH_BACKEND": "null"})
    with app.app_context():
        upgrade()
        yield
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _import(url: str, tmp_path, *sources, keep_raw: bool = True) -> None:
    with _archive(url, tmp_path):
        ImportRunner(db.session, ImportOptions(group="misc.names", keep_raw=keep_raw)
                     ).run([str(source) for source in sources])


def _take_down(url: str, tmp_path, email: str, purge: str) -> str:
    """Pseudonymise the author of `email` and purge post `purge`; the pseudonym."""
    with _archive(url, tmp_path):
        admin = create_user(db.session, "ada", "correct horse battery", "admin")
        author = db.session.scalar(select(Author).where(Author.email == email))
        change = pseudonymise_author(db.session, admin, author, "author_request")
        purge_post(db.session, admin, db.session.scalar(
            select(Post).where(Post.message_id == purge)), "author_request")
        return change.replacement


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_migration_reads_each_name_from_the_kept_original(kind, tmp_path):
    later = tmp_path / "later.mbox"
    later.write_text(LATER, encoding="utf-8")
    with scratch_database(kind, tmp_path) as url:
        _import(url, tmp_path, NAMES)
        _import(url, tmp_path, later, keep_raw=False)  # no original to read
        imported = _names(url)
        assert imported == {
            "first@names.example": "Alexander Epaneshnikov",
            "second@names.example": "bob...@example.net",
            "third@names.example": "александр епанешников",
            "fourth@names.example": "carol.home@example.com",
            "fifth@names.example": "Sasha",
        }
        migrate(url, command.downgrade, "0016")
        assert _queued(url) == []
        migrate(url, command.upgrade, "head")
        # Without its original, a post can only get its author's name.
        assert _names(url) == {**imported,
                               "fifth@names.example": "Alexander Epaneshnikov"}
        # The search index named the third by its author: it is indexed again.
        assert _queued(url) == ["third@names.example"]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_migration_leaves_purged_posts_and_pseudonymised_authors_empty(
        kind, tmp_path):
    with scratch_database(kind, tmp_path) as url:
        _import(url, tmp_path, NAMES)
        pseudonym = _take_down(url, tmp_path, "aepan@example.org",
                               purge="second@names.example")
        assert _names(url) == {
            "first@names.example": pseudonym, "second@names.example": None,
            "third@names.example": pseudonym,
            "fourth@names.example": "carol.home@example.com"}
        migrate(url, command.downgrade, "0016")
        migrate(url, command.upgrade, "head")
        # Empty shows the author row's name: the pseudonym, the name after an undo.
        assert _names(url) == {
            "first@names.example": None, "second@names.example": None,
            "third@names.example": None,
            "fourth@names.example": "carol.home@example.com"}
