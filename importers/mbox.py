"""mbox files: mboxrd and mboxo, plain or gzip/xz/bzip2, LISTSERV exports included.

LISTSERV's `From MAILER-DAEMON ...` separators and lower-case header names need
nothing special: separators are recognised by their trailing date and header names
are case-insensitive.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from importers.base import ParsedStream
from importers.streams import iter_mailbox

logger = logging.getLogger(__name__)

_MBOXRD_ESCAPED = re.compile(rb">+From ")


def unescape_mboxrd(line: bytes) -> bytes:
    """`>From ` -> `From `, `>>From ` -> `>From `: mboxrd's reversible quoting."""
    return line[1:] if _MBOXRD_ESCAPED.match(line) else line


def unescape_mboxo(line: bytes) -> bytes:
    """`>From ` -> `From ` only; mboxo cannot tell an escape from a real `>From`."""
    return line[1:] if line.startswith(b">From ") else line


VARIANTS = {"mboxrd": unescape_mboxrd, "mboxo": unescape_mboxo}


def iter_mbox(path: str | Path, variant: str = "mboxrd") -> ParsedStream:
    """Every message of an mbox file (mboxrd or mboxo), streamed.

    Position is "message N (byte OFFSET)"; the separator's date is the date
    fallback.  mboxrd is the default because it is what modern tools write and
    un-escaping it is exact.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown mbox variant {variant!r}")
    return iter_mailbox(path, unescape=VARIANTS[variant])
