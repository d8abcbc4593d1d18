"""Backends side by side; this module only picks and opens one.

Each engine is imported by its own package (tantivy/, whoosh/, postgres/)
and only when chosen, so an archive on PostgreSQL never loads Whoosh; what
they share, engine-free, is in common.py.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from forum.search.interface import SearchIndex

logger = logging.getLogger(__name__)
KINDS = ("auto", "tantivy", "tantivy-ram", "whoosh", "whoosh-ram", "postgres",
         "null")
REBUILD = "flask --app forum search rebuild"


class UnknownBackend(ValueError):
    """FORUM_SEARCH_BACKEND names no backend."""


def open_backend(app: Flask) -> tuple[SearchIndex, str | None]:
    """The configured backend, and a notice for operators when one is due."""
    kind = str(app.config.get("FORUM_SEARCH_BACKEND") or "auto").strip().lower()
    if kind not in KINDS:
        raise UnknownBackend(f"FORUM_SEARCH_BACKEND={kind!r}: use one of "
                             + ", ".join(KINDS))
    folder = Path(app.config["FORUM_SEARCH_DIR"])
    notice = None
    if kind == "auto":
        kind, notice = resolve_auto(app.config["SQLALCHEMY_DATABASE_URI"], folder)
    return make_backend(kind, folder, app), notice


def resolve_auto(database_url: str, folder: Path) -> tuple[str, str | None]:
    """The default backend for this database and index folder.

    On SQLite a data folder indexed by an earlier version (Whoosh) keeps its
    index until the operator rebuilds, and is told so.
    """
    if database_url.startswith("postgresql"):
        return "postgres", None
    if has_tantivy_index(tantivy_folder(folder)) or not has_whoosh_index(folder):
        return "tantivy", None
    return "whoosh", (f"search runs on the Whoosh index made by an earlier version; "
                      f"run `{REBUILD}` to move to tantivy, the faster default")


def make_backend(kind: str, folder: Path, app: Flask | None = None) -> SearchIndex:
    """A backend of this kind; on-disk ones live in or under `folder`."""
    if kind == "null":
        from forum.search.backends.null import NullIndex

        return NullIndex()
    if kind.startswith("tantivy"):
        from forum.search.backends.tantivy import TantivyIndex

        if kind == "tantivy-ram":
            return TantivyIndex.in_memory()
        return TantivyIndex.on_disk(tantivy_folder(folder))
    if kind.startswith("whoosh"):
        from forum.search.backends.whoosh import WhooshIndex

        return WhooshIndex.in_memory() if kind == "whoosh-ram" \
            else WhooshIndex.on_disk(folder)
    from forum.extensions import db
    from forum.search.backends.postgres import PostgresIndex

    assert app is not None, "the postgres backend reads the app's database"
    with app.app_context():
        return PostgresIndex(db.engine)


def open_on_disk(kind: str, folder: str | Path) -> SearchIndex:
    """The on-disk index of this kind that lives exactly in `folder`."""
    if kind == "tantivy":
        from forum.search.backends.tantivy import TantivyIndex

        return TantivyIndex.on_disk(folder)
    if kind == "whoosh":
        from forum.search.backends.whoosh import WhooshIndex

        return WhooshIndex.on_disk(folder)
    raise UnknownBackend(f"{kind!r} has no index on disk")


def tantivy_folder(folder: Path) -> Path:
    """Where the tantivy index lives: beside an older Whoosh index, not in it."""
    return folder / "tantivy"


def has_tantivy_index(folder: Path) -> bool:
    return (folder / "meta.json").is_file()


def has_whoosh_index(folder: Path) -> bool:
    """Whether `folder` holds a Whoosh index (its table of contents files)."""
    return folder.is_dir() and any(folder.glob("_MAIN_*.toc"))


@contextmanager
def upgrade_to_default(app: Flask) -> Iterator[SearchIndex]:
    """A new tantivy index to fill, which replaces the Whoosh one if all goes well.

    It is built beside the old one and renamed into place at the end, so other
    processes go on searching the old index meanwhile.  The old index's writer
    is held all along: changes made during the rebuild stay in the outbox and
    are applied to the new index before anyone can apply them to the old one.
    """
    from sqlalchemy.orm import Session

    from forum.extensions import db
    from forum.search.backends.tantivy import TantivyIndex
    from forum.search.sync import drain_outbox

    old = app.extensions["forum_search"]
    folder = Path(app.config["FORUM_SEARCH_DIR"])
    final, building = tantivy_folder(folder), folder / "tantivy.new"
    with old.writer(wait=True):
        shutil.rmtree(building, ignore_errors=True)
        yield TantivyIndex.on_disk(building)
        shutil.rmtree(final, ignore_errors=True)
        building.rename(final)
        app.extensions["forum_search"] = TantivyIndex.on_disk(final)
        app.extensions["forum_search_notice"] = None
        with app.app_context():
            drain_outbox(app.extensions["forum_search"],
                         lambda: Session(bind=db.engine), wait=True)
    logger.info("search moved from Whoosh to tantivy in %s", final)


def switch_after_upgrade(app: Flask) -> None:
    """Move to the tantivy index once a rebuild in any process has made it."""
    final = tantivy_folder(Path(app.config["FORUM_SEARCH_DIR"]))
    if has_tantivy_index(final):
        from forum.search.backends.tantivy import TantivyIndex

        app.extensions["forum_search"] = TantivyIndex.on_disk(final)
        app.extensions["forum_search_notice"] = None
        logger.info("search: switched to the rebuilt tantivy index in %s", final)
