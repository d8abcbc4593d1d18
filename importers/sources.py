"""What an import is told to read, and which group its messages go to.

A source is a path (a file or folder, read by the parser `importers.detect`
picks) or a news server's URL (pulled by `importers.nntp`).  Messages keep
the groups they name; `--group` puts every message in one group instead, and
a file's messages that name none go to a group named after the file.
"""

from __future__ import annotations

import re
from pathlib import Path

from importers.base import IncomingMessage, ParsedStream
from importers.nntp import DEFAULT_PORTS

_COMPRESSED = (".gz", ".xz", ".bz2", ".tar", ".tgz")
_DATED_NAME = re.compile(r"^(\d{4}|\d{4}q\d|\d{4}-\w+|\d{4}\w+)$", re.IGNORECASE)


def is_news_url(source: str) -> bool:
    """True for `nntp://...` and `nntps://...`: a news server, not a path."""
    scheme, found, _rest = source.partition("://")
    return bool(found) and scheme.lower() in DEFAULT_PORTS


def default_group_for(path: str) -> str:
    """A group name for a file with no groups of its own: its name, or its folder's
    name when the file is named after a month (pipermail's `2001-November.txt`)."""
    p = Path(path)
    name = p.name
    for _ in range(3):
        stem, ext = Path(name).stem, Path(name).suffix
        if ext.lower() in (*_COMPRESSED, ".mbox", ".txt", ".eml", ".mbx"):
            name = stem
    if not name or _DATED_NAME.match(name) or p.is_dir() and name in ("cur", "new"):
        name = p.resolve().parent.name or name
    return name.strip().lower() or "misc"


def with_group(stream: ParsedStream, group: str | None) -> ParsedStream:
    """The stream with every message's groups made [group] (`--group`); the
    stream itself when no group is given."""
    if not group:
        return stream
    return _regrouped(stream, group)


def _regrouped(stream: ParsedStream, group: str) -> ParsedStream:
    for item in stream:
        if isinstance(item, IncomingMessage):
            item.groups = [group]
        yield item
