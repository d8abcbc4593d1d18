"""What a command answers: a status line and, for a multi-line reply, data."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass
class Reply:
    """A status line, and for a multi-line reply its data as chunks of whole
    CRLF-terminated lines; the server dot-stuffs and terminates them."""

    status: str
    data: Iterable[bytes] | None = None
    close: bool = False


def text_lines(lines: Iterable[str]) -> Iterator[bytes]:
    """Lines of text as data: one line each (CR and LF made spaces; a TAB is
    kept, as it separates LIST NEWSGROUPS' fields; callers clean fields)."""
    for line in lines:
        line = line.replace("\r", " ").replace("\n", " ")
        yield (line + "\r\n").encode("utf-8", "replace")


def clean(value: str) -> str:
    """A value fit for one field of one line (RFC 3977 8.3: overview fields)."""
    return value.replace("\t", " ").replace("\r", " ").replace("\n", " ")
