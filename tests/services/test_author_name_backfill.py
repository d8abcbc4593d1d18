"""Migration 0017 gives posts stored before it the name an import stores now.

Each post keeps the display name of its own From (`posts.author_name`).  For
an archive imported before that column, the migration reads the name again
from each post's kept original, with the importer's own decoding, and falls
back to the author's name where no original was kept.  Both databases must
end up where a fresh import is.
"""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from forum import create_app
from forum.extensions import db
from forum.migrate import alembic_config, upgrade
from importers.runner import ImportOptions, ImportRunner
from tests.helpers import REPO
from tests.processes import scratch_database

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
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(text(
                "SELECT message_id, author_name FROM posts WHERE NOT is_ghost")).all())
    finally:
        engine.dispose()


def _migrate(url: str, step, revision: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            config = alembic_config(url)
            config.attributes["connection"] = conn
            step(config, revision)
    finally:
        engine.dispose()


def _import(url: str, tmp_path, *sources, keep_raw: bool = True) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": url,
                      "FORUM_DATA_DIR": str(tmp_path / "data"),
                      "FORUM_SEARCH_BACKEND": "null"})
    with app.app_context():
        upgrade()
        ImportRunner(db.session, ImportOptions(group="misc.names", keep_raw=keep_raw)
                     ).run([str(source) for source in sources])
        db.session.remove()
        db.engine.dispose()


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
        _migrate(url, command.downgrade, "0016")
        _migrate(url, command.upgrade, "head")
        # Without its original, a post can only get its author's name.
        assert _names(url) == {**imported,
                               "fifth@names.example": "Alexander Epaneshnikov"}
