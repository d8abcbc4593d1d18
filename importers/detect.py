"""Which parser reads a path: format detection and the one entry point, iter_source.

Detection looks at content, not only names: the first line of a (decompressed)
file, the member names of a tar, the layout of a folder.
"""

from __future__ import annotations

import logging
import re
import tarfile
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path

from importers.base import ImportProblem, IncomingMessage, ParsedStream
from importers.forum_json import iter_forum_json, looks_like_forum_json
from importers.google_groups import (
    iter_google_groups,
    iter_google_groups_html,
    iter_google_groups_markdown,
    iter_google_groups_text,
    sniff_google_groups,
)
from importers.hypermail import (
    PAGE_SUFFIXES,
    is_hypermail_tar,
    iter_hypermail,
    looks_like_hypermail,
)
from importers.maildir import (
    MAILDIR_SUBDIRS,
    iter_eml_folder,
    iter_maildir,
    iter_message_file,
    iter_message_tar,
    walk_files,
)
from importers.mbox import iter_mbox
from importers.pipermail import iter_pipermail, looks_like_pipermail
from importers.sources import with_group
from importers.streams import STREAM_ERRORS, is_separator, iter_tar_files, open_binary
from importers.usenet import is_article_name, iter_article, iter_spool, iter_spool_tar
from importers.webpage import (
    iter_webpage,
    looks_like_article_html,
    looks_like_article_text,
)

logger = logging.getLogger(__name__)


class UnknownFormat(Exception):
    """A path that no parser recognises (the message names the path and why)."""


READERS: dict[str, Callable[[Path], ParsedStream]] = {
    "mbox": iter_mbox,
    "mboxrd": iter_mbox,
    "mboxo": lambda path: iter_mbox(path, "mboxo"),
    "pipermail": iter_pipermail,
    "maildir": iter_maildir,
    "eml-folder": iter_eml_folder,
    "message": iter_message_file,
    "message-tar": iter_message_tar,
    "usenet-article": iter_article,
    "usenet-spool": iter_spool,
    "usenet-tar": iter_spool_tar,
    "hypermail": iter_hypermail,
    "forum-json": iter_forum_json,
    "google-groups": iter_google_groups,
    "google-groups-text": iter_google_groups_text,
    "google-groups-html": iter_google_groups_html,
    "google-groups-markdown": iter_google_groups_markdown,
    "article": iter_webpage,
}
# What `--format` accepts: auto, the friendly aliases, and every reader by name.
FORMAT_CHOICES = ("auto", "eml", "usenet", "news", "tar", *READERS)
_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2")
_HEADER_LINE = re.compile(rb"[!-9;-~]+:")
_NEWS_HEADERS = re.compile(rb"^(?:Newsgroups|Path|Xref):", re.M | re.I)
_SAMPLE = 30


def iter_source(
    path: str | Path, fmt: str = "auto", group: str | None = None
) -> Iterator[IncomingMessage | ImportProblem]:
    """Messages and problems from any supported source.

    Detection (and UnknownFormat) happens at call time, before iteration starts.
    With `group`, every message's groups become [group]; otherwise Usenet keeps
    its Newsgroups and other formats leave groups empty for the caller to fill.
    """
    path = Path(path)
    kind = detect_format(path) if fmt == "auto" else resolve_format(path, fmt)
    stream = READERS[kind](path)
    return with_group(stream, group)


def resolve_format(path: Path, fmt: str) -> str:
    """Map a user's --format (including "eml", "usenet", "tar") to a reader name."""
    fmt = fmt.strip().lower()
    if fmt in READERS:
        return fmt
    if fmt == "eml":
        return "eml-folder" if path.is_dir() else "message"
    if fmt in ("usenet", "news"):
        if path.is_dir():
            return "usenet-spool"
        return "usenet-tar" if _is_tar(path) else "usenet-article"
    if fmt == "tar":
        return "message-tar"
    choices = ", ".join(FORMAT_CHOICES)
    raise UnknownFormat(f"{path}: unknown format {fmt!r} (choose from {choices})")


def detect_format(path: str | Path) -> str:
    """The reader name for a path, or UnknownFormat saying why none fits."""
    path = Path(path)
    if path.is_dir():
        return _detect_folder(path)
    if not path.is_file():
        raise UnknownFormat(f"{path}: no such file or folder")
    if _is_tar(path):
        return _detect_tar(path)
    return _detect_file(path, _first_bytes(path))


def _is_tar(path: Path) -> bool:
    name = path.name.lower()
    if not name.endswith(_TAR_SUFFIXES):
        return False
    try:
        return tarfile.is_tarfile(path)
    except (OSError, *STREAM_ERRORS):
        return False


def _detect_tar(path: Path) -> str:
    try:
        names = [name for name, _ in islice(iter_tar_files(path), _SAMPLE)]
    except STREAM_ERRORS as exc:
        raise UnknownFormat(f"{path}: unreadable tar archive: {exc}") from exc
    if not names:
        raise UnknownFormat(f"{path}: tar archive holds no files")
    # Spools hold a few other files (.overview, active), so the majority decides.
    if 2 * sum(map(is_article_name, names)) > len(names):
        return "usenet-tar"
    if is_hypermail_tar(path, names):
        return "hypermail"
    return "message-tar"


def _first_bytes(path: Path, size: int = 16384) -> bytes:
    try:
        with open_binary(path) as stream:
            return stream.read(size)
    except STREAM_ERRORS as exc:
        raise UnknownFormat(f"{path}: unreadable file: {exc}") from exc


def _detect_file(path: Path, head: bytes) -> str:
    text = head.lstrip(b"\r\n")
    if not text.strip():
        raise UnknownFormat(f"{path}: empty file")
    first_line = text.split(b"\n", 1)[0] + b"\n"
    if looks_like_hypermail(head):
        return "hypermail"
    if looks_like_forum_json(path):
        return "forum-json"
    # Before the header rule: a copied thread page may start with "Re: subject".
    if google := sniff_google_groups(head, path):
        return google
    if looks_like_article_html(head):
        return "article"
    if first_line.startswith(b"From "):
        return "pipermail" if looks_like_pipermail(first_line) else "mbox"
    if _HEADER_LINE.match(text):
        header_block = text.split(b"\n\n", 1)[0]
        if _NEWS_HEADERS.search(header_block) and b"ewsgroups:" in header_block:
            return "usenet-article"
        return "message"
    if any(is_separator(line + b"\n") for line in _from_lines(text)):
        return "mbox"
    if looks_like_article_text(path, head):
        return "article"
    raise UnknownFormat(
        f"{path}: not an mbox, pipermail archive, message, spool or tar "
        f"({_what_it_starts_with(first_line)})"
    )


def _what_it_starts_with(line: bytes) -> str:
    """The first line as readable text, or "binary data": never raw bytes."""
    sample = line[:200]
    controls = sum(b < 32 and b not in b"\t\r\n" or b == 127 for b in sample)
    if not sample.strip():
        return "its first line is blank"
    if controls > len(sample) // 20 or b"\x00" in sample:
        return "it holds binary data, not text"
    text = sample.decode("utf-8", "replace").strip()
    text = "".join(c if c.isprintable() else "\ufffd" for c in text)
    return f"it starts with: {text[:60]}"


def _from_lines(head: bytes) -> list[bytes]:
    """`From ` lines after a blank line: an mbox with a preamble."""
    chunks = head.split(b"\n\nFrom ")[1:]
    return [b"From " + chunk.split(b"\n", 1)[0] for chunk in chunks]


def _detect_folder(path: Path) -> str:
    if any((path / sub).is_dir() for sub in MAILDIR_SUBDIRS):
        return "maildir"
    files = list(islice(walk_files(path), _SAMPLE))
    if not files:
        raise UnknownFormat(f"{path}: folder holds no files")
    if 2 * sum(file.name.isdigit() for file in files) > len(files):
        return "usenet-spool"
    if any(_is_hypermail_page(file) for file in files):
        return "hypermail"
    if any(file.suffix.lower() == ".eml" for file in files):
        return "eml-folder"
    if any(_HEADER_LINE.match(_first_bytes(file, 256)) for file in files):
        return "eml-folder"
    raise UnknownFormat(f"{path}: folder holds no Maildir, spool or message files")


def _is_hypermail_page(file: Path) -> bool:
    if file.suffix.lower() not in PAGE_SUFFIXES:
        return False
    return looks_like_hypermail(_first_bytes(file))
