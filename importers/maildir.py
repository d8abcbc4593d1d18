"""Maildir folders, folders of `.eml` files, single message files and tars of them.

Files are read in sorted path order (Maildir names start with the delivery time),
one message per file; the position is the path relative to what was imported.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

from importers.base import ImportProblem, ParsedStream
from importers.parsing import parse_message
from importers.streams import guard_damage, iter_tar_files, read_each, read_file

logger = logging.getLogger(__name__)

MAILDIR_SUBDIRS = ("cur", "new")


def maildir_files(root: Path) -> list[Path]:
    """Message files under every `cur` and `new` of a Maildir (and Maildir++ folders).

    `tmp` holds deliveries still being written, so it is never read.
    """
    found = [
        path
        for path in walk_files(root)
        if path.parent.name in MAILDIR_SUBDIRS
    ]
    return sorted(found)


def walk_files(root: Path) -> Iterator[Path]:
    """Regular, non-hidden files below `root`, in sorted order, folder by folder."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder) / name


def eml_files(root: Path) -> list[Path]:
    """The `.eml` files below a folder; every file when there is no `.eml` at all."""
    files = list(walk_files(root))
    eml = [path for path in files if path.suffix.lower() == ".eml"]
    return eml or files


def iter_files(root: str | Path, paths: list[Path]) -> ParsedStream:
    """Parse each file as one message; source is the folder, position the path."""
    root = Path(root)
    for read in read_each(root, paths):
        yield read if isinstance(read, ImportProblem) else \
            parse_message(read[1], str(root), read[0])


def iter_maildir(path: str | Path) -> ParsedStream:
    """Every message of a Maildir (cur and new, subfolders included)."""
    return iter_files(path, maildir_files(Path(path)))


def iter_eml_folder(path: str | Path) -> ParsedStream:
    """Every `.eml` file below a folder (or every file, when none is `.eml`)."""
    return iter_files(path, eml_files(Path(path)))


def iter_message_file(path: str | Path) -> ParsedStream:
    """A single RFC 5322 message file (a leading `From ` line is allowed)."""
    path = Path(path)
    yield parse_message(read_file(path), str(path), "file")


def iter_message_tar(path: str | Path) -> ParsedStream:
    """Every regular file of a tar (e.g. a packed Maildir) as one message each."""
    source = str(path)
    items = (parse_message(data, source, name) for name, data in iter_tar_files(path))
    return guard_damage(items, source)
