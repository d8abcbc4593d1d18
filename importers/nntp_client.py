"""A small NNTP reader client (RFC 3977, AUTHINFO from RFC 4643) over a socket.

Only what pulling a group needs: greeting, MODE READER, AUTHINFO USER/PASS,
GROUP, OVER (XOVER on servers that answer 500), ARTICLE by number, QUIT.
The standard library's `nntplib` is deprecated in 3.11 (our tests turn the
warning into an error) and removed in 3.13, hence our own.

Replies are read as bytes: articles are 8-bit data in any charset, and the
parser (importers.parsing) decides how to decode them.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass

# A line longer than this is not NNTP; it guards memory against a broken server.
MAX_LINE = 4 * 1024 * 1024
CRLF = b"\r\n"
# Linux only: INN writes a reply's status line and its data separately, and
# with Nagle on its side each reply would wait out our delayed ACK (~40 ms).
_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


class NNTPError(Exception):
    """The server answered with a code we cannot go on from."""

    def __init__(self, code: int, text: str, command: str = "") -> None:
        self.code = code
        self.text = text
        self.command = command
        where = f" to {command.split()[0]}" if command else ""
        super().__init__(f"news server answered {code} {text}{where}".strip())


class NNTPConnectionLost(ConnectionError):
    """The connection closed or timed out in the middle of a conversation."""


@dataclass(frozen=True, slots=True)
class GroupInfo:
    """What GROUP says: an estimate of the count and the number range."""

    name: str
    count: int
    low: int
    high: int


@dataclass(frozen=True, slots=True)
class OverviewEntry:
    """One OVER line: the article number and its Message-ID (bare)."""

    number: int
    message_id: str


class NNTPConnection:
    """One reader connection; every method sends a command and reads its reply."""

    def __init__(self, host: str, port: int, *, tls: bool = False,
                 timeout: float = 30.0,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.host, self.port = host, port
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as exc:
            raise NNTPConnectionLost(f"cannot connect to {host}:{port}: {exc}") \
                from exc
        # Commands are small and each waits for its reply: Nagle's algorithm
        # would hold them back for the server's delayed ACK.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls:
            sock = _wrapped(sock, host, ssl_context or ssl.create_default_context())
        self._sock = sock
        self._file = sock.makefile("rb")
        try:
            self.posting_allowed = self._greeting()
        except BaseException:
            self.close()
            raise

    def _greeting(self) -> bool:
        code, text = self._status()
        if code not in (200, 201):
            raise NNTPError(code, text, "greeting")
        return code == 200

    # -- the conversation ----------------------------------------------------------

    def mode_reader(self) -> None:
        """Ask a transit server (innd) to hand us to its reader (nnrpd).

        A reader-only server may not know the command (500); that is fine.
        """
        code, text = self.command("MODE READER")
        if code not in (200, 201, 500, 501):
            raise NNTPError(code, text, "MODE READER")

    def authenticate(self, user: str, password: str) -> None:
        """AUTHINFO USER/PASS; the password is never part of an error message."""
        code, text = self.command(f"AUTHINFO USER {user}")
        if code == 381:
            code, text = self.command(f"AUTHINFO PASS {password}")
        if code != 281:
            raise NNTPError(code, text, "AUTHINFO")

    def group(self, name: str) -> GroupInfo:
        """Select a group; NNTPError 411 when the server has no such group."""
        code, text = self.command(f"GROUP {name}")
        if code != 211:
            raise NNTPError(code, text, f"GROUP {name}")
        count, low, high = (int(n) for n in text.split()[:3])
        return GroupInfo(name, count, low, high)

    def over(self, low: int, high: int) -> list[OverviewEntry]:
        """The articles that exist between low and high (inclusive).

        OVER first; XOVER (its older name) when the server does not know OVER.
        """
        code, text = self.command(f"OVER {low}-{high}")
        if code in (500, 501):
            code, text = self.command(f"XOVER {low}-{high}")
        if code in (420, 423):  # no article in that range
            return []
        if code != 224:
            raise NNTPError(code, text, "OVER")
        return [entry for entry in map(_overview_entry, self.read_block()) if entry]

    def article(self, number: int) -> bytes | None:
        """One article's bytes with LF line ends; None if it is gone (423/430)."""
        return next(self.articles([number]))[1]

    def articles(self, numbers: Iterable[int], depth: int = 16
                 ) -> Iterator[tuple[int, bytes | None]]:
        """ARTICLE for each number, `depth` commands in flight at a time.

        Pipelining (RFC 3977 section 3.5) saves a round trip per article; we
        never have more unread replies than `depth`, so neither side's buffers
        fill up.
        """
        numbers = list(numbers)
        for start in range(0, len(numbers), depth):
            chunk = numbers[start:start + depth]
            self._send(b"".join(f"ARTICLE {n}".encode() + CRLF for n in chunk))
            for number in chunk:
                yield number, self._article_reply(number)

    def quit(self) -> None:
        try:
            self.command("QUIT")
        except (OSError, NNTPError):
            pass
        self.close()

    def close(self) -> None:
        for closer in (self._file.close, self._sock.close):
            try:
                closer()
            except OSError:
                pass

    # -- the wire ------------------------------------------------------------------

    def command(self, line: str) -> tuple[int, str]:
        """Send one command line; the reply's code and text."""
        self._send(line.encode("utf-8") + CRLF)
        return self._status()

    def read_block(self) -> Iterator[bytes]:
        """The lines of a multi-line reply, dot-unstuffed, without line ends."""
        while True:
            line = self._readline()
            if line == b".":
                return
            yield line[1:] if line.startswith(b"..") else line

    def _article_reply(self, number: int) -> bytes | None:
        code, text = self._status()
        if code in (423, 430):
            return None
        if code != 220:
            raise NNTPError(code, text, f"ARTICLE {number}")
        return b"\n".join(self.read_block()) + b"\n"

    def _send(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise NNTPConnectionLost(f"connection to {self.host} lost: {exc}") \
                from exc

    def _status(self) -> tuple[int, str]:
        self._ack_at_once()
        line = self._readline().decode("utf-8", "replace")
        code, _, text = line.partition(" ")
        if not (len(code) == 3 and code.isdigit()):
            raise NNTPConnectionLost(f"not an NNTP reply from {self.host}: {line!r}")
        if code == "400":  # the server is going away (RFC 3977 3.2.1)
            raise NNTPConnectionLost(f"{self.host} closed the connection: {text}")
        return int(code), text

    def _ack_at_once(self) -> None:
        """Ask the kernel to ACK the next segment at once (it forgets after)."""
        if _QUICKACK is not None:
            with suppress(OSError):
                self._sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)

    def _readline(self) -> bytes:
        try:
            line = self._file.readline(MAX_LINE)
        except (OSError, ValueError) as exc:  # timeouts are OSErrors
            raise NNTPConnectionLost(f"connection to {self.host} lost: {exc}") \
                from exc
        if not line.endswith(b"\n"):
            raise NNTPConnectionLost(f"connection to {self.host} closed mid-reply")
        return line[:-2] if line.endswith(CRLF) else line[:-1]


def _wrapped(sock: socket.socket, host: str, context: ssl.SSLContext) -> ssl.SSLSocket:
    """TLS over `sock`; a certificate that does not verify is an ssl error, not
    a lost connection: trying again would not help."""
    try:
        return context.wrap_socket(sock, server_hostname=host)
    except ssl.SSLCertVerificationError:
        sock.close()
        raise
    except OSError as exc:
        sock.close()
        raise NNTPConnectionLost(f"TLS with {host} failed: {exc}") from exc


def _overview_entry(line: bytes) -> OverviewEntry | None:
    fields = line.split(b"\t")
    if len(fields) < 5 or not fields[0].strip().isdigit():
        return None
    message_id = fields[4].decode("utf-8", "replace").strip().strip("<>")
    return OverviewEntry(int(fields[0]), message_id)
