"""Mailman 2 pipermail monthly archives (`2001-November.txt`, `2007q1.txt.gz`).

Pipermail writes `From jjl at pobox.com  Thu Nov  1 11:19:12 2001` separators (the
sender may be obfuscated or carry a display name with spaces), obfuscates From as
`user at host` (restored by the shared parser), and leaves scrubbed-attachment
notes in the body, where they stay.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from importers.base import ParsedStream
from importers.streams import iter_mailbox

logger = logging.getLogger(__name__)

# The splitting rule measured on the real archives (corpora SOURCES.md).
SEPARATOR = re.compile(rb"From .+\s\w{3} \w{3}\s+\d+ \d\d:\d\d:\d\d \d{4}\r?\n?$")
# Mailman puts two spaces before the date; mbox writers put one.
PIPERMAIL_LINE = re.compile(rb"From .+\s\s\w{3} \w{3}\s+\d+ \d\d:\d\d:\d\d \d{4}\s*$")


def is_pipermail_separator(line: bytes) -> bool:
    """True for a pipermail separator line (any sender form, asctime date)."""
    return SEPARATOR.match(line) is not None


def looks_like_pipermail(first_line: bytes) -> bool:
    """True when a file's first line is a pipermail (not an mbox) separator."""
    return PIPERMAIL_LINE.match(first_line) is not None or (
        first_line.startswith(b"From ")
        and b" at " in first_line
        and b"@" not in first_line
        and is_pipermail_separator(first_line)
    )


def iter_pipermail(path: str | Path) -> ParsedStream:
    """Every message of a pipermail .txt or .txt.gz, "message N (byte OFFSET)".

    Body lines are not un-escaped: pipermail does not escape `From ` lines.
    """
    return iter_mailbox(path, is_separator=is_pipermail_separator)
