"""Usenet articles: one file, a news spool folder, or a tar of spool folders.

`groups` is the Newsgroups header plus the group whose spool folder held the
article, when the header does not list it (20 Newsgroups files a few articles
under groups their header never names).  Transport headers (Path, Xref,
NNTP-Posting-Host ...) are never part of the body; uuencoded binaries stay in the
body as posted (the renderer folds them).
"""

from __future__ import annotations

import logging
from pathlib import Path

from importers.base import ImportProblem, IncomingMessage, ParsedStream
from importers.parsing import parse_message
from importers.streams import guard_damage, iter_tar_files, read_each, read_file

logger = logging.getLogger(__name__)


def is_article_name(name: str) -> bool:
    """Spool articles are named by their article number (`sci.med/58983`)."""
    return name.rsplit("/", 1)[-1].isdigit()


def spool_group(relative: str, root_name: str = "") -> str | None:
    """The group a spool files an article under, from its folder names.

    `sci.med/58983` -> sci.med; INN's `sci/med/58983` -> sci.med; a bare
    `58983` read from a folder named `sci.med` -> sci.med.
    """
    folders = [part for part in relative.split("/")[:-1] if part not in ("", ".")]
    if not folders:
        return root_name if "." in root_name else None
    if "." in folders[-1]:
        return folders[-1]
    return ".".join(folders)


def spool_files(root: Path) -> list[Path]:
    """Article files below a spool folder, group by group, in article-number order."""
    found = [
        path
        for path in root.rglob("*")
        if path.is_file() and path.name.isdigit()
        and not any(p.startswith(".") for p in path.relative_to(root).parts)
    ]
    return sorted(found, key=lambda p: (p.parent.as_posix(), int(p.name)))


def _article(data: bytes, source: str, position: str, group: str | None):
    item = parse_message(data, source, position, newsgroups=True)
    if group and isinstance(item, IncomingMessage) and group not in item.groups:
        item.groups.append(group)
    return item


def iter_article(path: str | Path) -> ParsedStream:
    """A single article file (its folder counts as its spool group)."""
    path = Path(path)
    group = spool_group(path.name, path.resolve().parent.name)
    yield _article(read_file(path), str(path), "file", group)


def iter_spool(path: str | Path) -> ParsedStream:
    """Every article below a spool folder; position is the relative path."""
    root = Path(path)
    for read in read_each(root, spool_files(root)):
        if isinstance(read, ImportProblem):
            yield read
            continue
        position, data = read
        yield _article(data, str(root), position,
                       spool_group(position, root.resolve().name))


def iter_spool_tar(path: str | Path) -> ParsedStream:
    """Every article in a tar of spool folders (.tar, .tar.gz, .tar.xz ...).

    Members not named by a number (READMEs, overview files) are left out.
    """
    source = str(path)
    items = (
        _article(data, source, name, spool_group(name))
        for name, data in iter_tar_files(path)
        if is_article_name(name)
    )
    return guard_damage(items, source)
