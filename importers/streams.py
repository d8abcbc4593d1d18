"""Files to message bytes: compressed files, tars and mailboxes split on `From `.

Everything streams: a mailbox is read line by line and a tar member by member, so
a 100 MB archive is never held in memory at once.
"""

from __future__ import annotations

import bz2
import gzip
import io
import logging
import lzma
import re
import tarfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from importers.base import ImportProblem, IncomingMessage, ParsedStream, excerpt_of
from importers.parsing import parse_message

logger = logging.getLogger(__name__)

# What a damaged compressed file raises part way through.
STREAM_ERRORS = (EOFError, OSError, lzma.LZMAError, zlib.error, tarfile.TarError)
_NOT_DAMAGE = (FileNotFoundError, PermissionError, IsADirectoryError)

# An mbox/pipermail separator ends in an asctime date ("Tue Apr  1 08:18:42 1997",
# sometimes with a zone) or, from a few writers, an RFC 5322 one.
_SEPARATOR = re.compile(
    rb"From .*?(?:\w{3} \w{3}\s+\d{1,2} \d{1,2}:\d\d(?::\d\d)?"
    rb"(?: [A-Za-z]{1,5}| [+-]\d{4})? \d{4}"
    rb"|\d{1,2} \w{3} \d{4} \d{1,2}:\d\d(?::\d\d)?.*)\s*$"
)


class ByteMeter:
    """How many bytes of the source files this process has read: the progress
    bar's "done" for an import whose total is the files' sizes on disk.

    It counts the bytes read from disk (compressed bytes for a compressed
    file), keeping the furthest position per file, so a file sniffed for its
    format and then read again is counted once.  A reader process reports
    its own figure, which the importing process adds as `elsewhere`.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._furthest: dict[str, int] = {}
        self.here = 0
        self.elsewhere = 0

    def note(self, name: str, position: int) -> None:
        gained = position - self._furthest.get(name, 0)
        if gained > 0:
            self._furthest[name] = position
            self.here += gained

    @property
    def done(self) -> int:
        return self.here + self.elsewhere


METER = ByteMeter()


class _MeteredFile(io.FileIO):
    """A file that tells METER how far it has been read."""

    def read(self, size: int | None = -1, /) -> bytes:  # None only if non-blocking
        data = super().read(size)
        if data:
            METER.note(self.name, self.tell())
        return data

    def readinto(self, buffer) -> int | None:
        count = super().readinto(buffer)
        if count:
            METER.note(self.name, self.tell())
        return count

    def readall(self) -> bytes:
        data = super().readall()
        METER.note(self.name, self.tell())
        return data


def _owning(decompressor: type) -> type:
    """`decompressor` over a file it closes too (given a file object, the
    standard ones leave it open)."""

    class Owning(decompressor):
        def __init__(self, raw: BinaryIO) -> None:
            if decompressor is gzip.GzipFile:
                super().__init__(fileobj=raw, mode="rb")
            else:
                super().__init__(raw)
            self._raw = raw

        def close(self) -> None:
            try:
                super().close()
            finally:
                self._raw.close()

    return Owning


_MAGIC = ((b"\x1f\x8b", _owning(gzip.GzipFile)),
          (b"\xfd7zXZ\x00", _owning(lzma.LZMAFile)),
          (b"BZh", _owning(bz2.BZ2File)))


def open_binary(path: str | Path) -> BinaryIO:
    """Open a file for reading bytes, decompressing gzip, xz or bzip2 by content."""
    raw = _MeteredFile(path, "rb")
    try:
        magic = raw.read(6)
        raw.seek(0)
        for prefix, opener in _MAGIC:
            if magic.startswith(prefix):
                return opener(raw)
        return io.BufferedReader(raw)
    except BaseException:
        raw.close()
        raise


def read_file(path: str | Path) -> bytes:
    """A whole (small) file's bytes, counted by METER."""
    with _MeteredFile(path, "rb") as raw:
        return raw.readall()


def read_each(root: Path, files: Iterable[Path]
              ) -> Iterator[tuple[str, bytes] | ImportProblem]:
    """(position, bytes) for each file below `root`, its position the path
    relative to `root`; a file that cannot be read is an ImportProblem there,
    and the rest are still read."""
    for file in files:
        position = file.relative_to(root).as_posix()
        try:
            yield position, read_file(file)
        except OSError as exc:
            yield ImportProblem(str(root), position, f"cannot read file: {exc}")


def iter_tar_files(path: str | Path) -> Iterator[tuple[str, bytes]]:
    """(member name, bytes) for every regular file in a tar, streamed in order."""
    with _MeteredFile(path, "rb") as raw, tarfile.open(fileobj=raw, mode="r|*") as tar:
        for member in tar:
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is not None:
                yield member.name, handle.read()


def is_separator(line: bytes) -> bool:
    """True for a `From ` line that starts a message (it ends in a date).

    Requiring the date keeps unescaped prose ("From my point of view") in the
    body of mboxo files.
    """
    return _SEPARATOR.match(line) is not None


def iter_lines_split(
    stream: Iterable[bytes],
    is_separator: Callable[[bytes], bool] = is_separator,
    unescape: Callable[[bytes], bytes] | None = None,
) -> Iterator[tuple[int, bytes | None, bytes]]:
    """Split a mailbox stream on separator lines: (byte offset, separator, bytes).

    Reads a plain file a block at a time and anything else line by line, so a
    100 MB mbox is never held in memory at once.  The blank line a writer adds
    before each separator is removed.  Text before the first separator comes
    out with separator None.
    """
    if isinstance(stream, io.BufferedReader):  # a plain file; compressed files
        # are read line by line, so damage part way loses the least
        yield from _split_blocks_of(stream, is_separator, unescape)
        return
    offset = start = 0
    separator: bytes | None = None
    lines: list[bytes] = []
    for line in stream:
        if line.startswith(b"From ") and is_separator(line):
            if separator is not None or any(x.strip() for x in lines):
                yield start, separator, _without_last_newline(lines)
            start, separator, lines = offset, line, []
        elif unescape is not None and line[:1] == b">":
            lines.append(unescape(line))
        else:
            lines.append(line)
        offset += len(line)
    if separator is not None or any(x.strip() for x in lines):
        yield start, separator, _without_last_newline(lines)


BLOCK = 1 << 22


def _split_blocks_of(stream, is_separator, unescape):
    """iter_lines_split over a file a block at a time: only lines that start
    with "From " are looked at one by one (4x faster than every line)."""
    buffer, base = b"", 0  # base: the stream offset of buffer[0]
    start, separator, body, scan = 0, None, 0, 0  # body: the message's first byte
    while True:
        at = _next_from(buffer, scan)
        end = buffer.find(b"\n", at) if at >= 0 else -1
        if end >= 0:
            line = buffer[at:end + 1]
            if is_separator(line):
                data = buffer[body:at]
                if separator is not None or data.strip():
                    yield start, separator, _finish(data, unescape)
                start, separator, body = base + at, line, end + 1
            scan = end + 1
            continue
        more = stream.read(BLOCK)
        if not more:
            break
        if at < 0:  # nothing can start before the last few bytes
            scan = max(scan, len(buffer) - len(b"\nFrom "))
        drop = min(body, scan)
        buffer, base = buffer[drop:] + more, base + drop
        body, scan = body - drop, scan - drop
    at = _next_from(buffer, scan)
    if at >= 0 and is_separator(buffer[at:]):  # a last line without a newline
        data = buffer[body:at]
        if separator is not None or data.strip():
            yield start, separator, _finish(data, unescape)
        start, separator, body = base + at, buffer[at:], len(buffer)
    data = buffer[body:]
    if separator is not None or data.strip():
        yield start, separator, _finish(data, unescape)


def _next_from(buffer: bytes, scan: int) -> int:
    """Where the next line starting with "From " begins, at or after `scan`."""
    if scan == 0 and buffer.startswith(b"From "):
        return 0
    found = buffer.find(b"\nFrom ", max(scan - 1, 0))
    return found + 1 if found >= 0 else -1


def _finish(data: bytes, unescape) -> bytes:
    """One message's bytes: escapes undone, the writer's blank last line gone."""
    # Both unescapers change only lines holding ">From ".
    if unescape is not None and b">From " in data:
        data = b"".join(unescape(line) if line[:1] == b">" else line
                        for line in data.splitlines(keepends=True))
    if data in (b"\n", b"\r\n"):
        return b""
    if data.endswith(b"\n\n"):
        return data[:-1]
    if data.endswith(b"\n\r\n"):
        return data[:-2]
    return data


def _without_last_newline(lines: list[bytes]) -> bytes:
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines.pop()
    return b"".join(lines)


def iter_mailbox(
    path: str | Path,
    is_separator: Callable[[bytes], bool] = is_separator,
    unescape: Callable[[bytes], bytes] | None = None,
) -> ParsedStream:
    """Every message of a mailbox file; position "message N (byte OFFSET)".

    OFFSET counts bytes of the decompressed stream.  The separator line is the
    date fallback.  A damaged compressed file ends the stream with a problem.
    """
    return guard_damage(_mailbox_items(path, is_separator, unescape), str(path))


def _mailbox_items(path, is_separator, unescape) -> ParsedStream:
    """One message behind the split, so the file's last message is known: a
    mailbox writer ends every message with a newline, and one that ends mid-line
    was cut off (a partial download, a copy that ran out of space)."""
    source = str(path)
    held = None
    with open_binary(path) as stream:
        split = iter_lines_split(stream, is_separator, unescape)
        try:
            for count, (offset, line, data) in enumerate(split, 1):
                if held is not None:
                    yield _mailbox_message(*held)
                held = (source, f"message {count} (byte {offset})", line, data)
        except STREAM_ERRORS:
            if held is not None:  # complete: the damage came after it
                yield _mailbox_message(*held)
            raise
    if held is not None:
        yield _cut_at_the_end(_mailbox_message(*held), held[3])


def _cut_at_the_end(item, data: bytes):
    if isinstance(item, IncomingMessage) and data and not data.endswith(b"\n"):
        item.truncated = item.truncated or "the file ends in the middle of a line"
    return item


def guard_damage(items: ParsedStream, source: str) -> ParsedStream:
    """Pass items through; damage part way ends them with a problem, not a crash.

    A missing or unreadable file still raises: that is the caller's mistake, not
    a damaged archive.
    """
    last = "the start"
    try:
        for item in items:
            last = item.position
            yield item
    except STREAM_ERRORS as exc:
        if isinstance(exc, _NOT_DAMAGE):
            raise
        logger.warning("%s: damaged after %s: %s", source, last, exc)
        yield ImportProblem(
            source, f"after {last}", f"file ends early or is damaged: {exc}"
        )


def _mailbox_message(source: str, position: str, line: bytes | None, data: bytes):
    if line is None:
        return ImportProblem(
            source, position, "text before the first 'From ' separator line",
            excerpt=excerpt_of(data),
        )
    envelope = line.decode("latin-1").rstrip()
    return parse_message(data, source, position, envelope=envelope)
