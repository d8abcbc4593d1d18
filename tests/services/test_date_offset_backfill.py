"""Migration 0018 gives posts stored before it the date offset an import stores now.

Each post keeps the offset its Date header was written in (`posts.date_offset`).
For an archive imported before that column, the migration reads the Date header
again from each post's kept original, with the importer's own parser, and keeps
its offset where that header gave the stored date.  Both databases must end up
where a fresh import is, except posts whose original was not kept.
"""

from __future__ import annotations

import pytest
from alembic import command

from forum import create_app
from forum.extensions import db
from forum.migrate import upgrade
from importers.runner import ImportOptions, ImportRunner
from tests.processes import column_by_message_id, migrate, scratch_database

MESSAGES = {
    "eastern": "Tue, 10 Oct 2000 14:03:00 -0400",
    "india": "Tue, 10 Oct 2000 20:03:00 +0530",
    "utc": "Tue, 10 Oct 2000 14:03:00 +0000",
    "unknown-zone": "Tue, 10 Oct 2000 14:03:00 -0000",
    "typo": "Tue, 10 Oct 2000 14:03:00 +3000",
    "relayed": None,  # no Date: the Received header's, whose zone is the relay's
}


def _mbox(names) -> str:
    parts = []
    for name in names:
        date = MESSAGES[name]
        parts.append(
            f"From {name}@example.org Tue Oct 10 18:03:00 2000\n"
            f"Received: from a by b; Tue, 10 Oct 2000 20:05:00 +0200\n"
            f"From: {name} <{name}@example.org>\nSubject: {name}\n"
            + (f"Date: {date}\n" if date else "")
            + f"Message-ID: <{name}@offsets.example>\n\nMagnesium at night.\n\n")
    return "".join(parts)


def _offsets(url: str) -> dict[str, int | None]:
    return column_by_message_id(url, "date_offset")


def _import(url: str, tmp_path, source, keep_raw: bool = True) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": url,
                      "FORUM_DATA_DIR": str(tmp_path / "data"),
                      "FORUM_SEARCH_BACKEND": "null"})
    with app.app_context():
        upgrade()
        ImportRunner(db.session, ImportOptions(group="misc.dates", keep_raw=keep_raw)
                     ).run([str(source)])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_migration_reads_each_offset_from_the_kept_original(kind, tmp_path):
    kept, lost = tmp_path / "kept.mbox", tmp_path / "lost.mbox"
    kept.write_text(_mbox([n for n in MESSAGES if n != "india"]), encoding="utf-8")
    lost.write_text(_mbox(["india"]), encoding="utf-8")
    with scratch_database(kind, tmp_path) as url:
        _import(url, tmp_path, kept)
        _import(url, tmp_path, lost, keep_raw=False)  # no original to read
        imported = _offsets(url)
        assert imported == {
            "eastern@offsets.example": -240, "india@offsets.example": 330,
            "utc@offsets.example": 0, "unknown-zone@offsets.example": None,
            "typo@offsets.example": None, "relayed@offsets.example": None,
        }
        migrate(url, command.downgrade, "0017")
        migrate(url, command.upgrade, "head")
        # Without its original, a post's date can only be shown in UTC.
        assert _offsets(url) == {**imported, "india@offsets.example": None}
