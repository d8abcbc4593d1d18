"""The socket side of the news server: a thread per connection, each with its
own database session, closed when the connection ends.

Whatever a client sends, it gets a status line back or the connection is
closed: a line over 512 octets (RFC 3977 3.1) or one that is not UTF-8 is
refused with 501, a failing command answers 403 and is logged here, never
shown to the client, and a connection idle for `idle_timeout` seconds is
closed.  Each command ends its transaction once its reply is sent, so a
reader left open holds no snapshot or lock on the database.
"""

from __future__ import annotations

import logging
import re
import socketserver
import threading
import time

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from forum.extensions import DbSession
from forum.nntp.commands import GREETING, Reader
from forum.nntp.reply import Reply
from forum.services.nntp_overview import warm_overviews

logger = logging.getLogger(__name__)

MAX_LINE = 512  # octets, CRLF included
DRAIN_LIMIT = 65536  # an endless line is not read for ever: the connection ends
WRITE_BUFFER = 65536
_STUFF = re.compile(rb"^\.", re.MULTILINE)
HANG_UP = Reply("", close=True)


class NewsServer(socketserver.ThreadingTCPServer):
    """A threaded TCP server that knows the archive's engine and the timeout.

    At most `max_connections` are served at once (each holds a thread and a
    database connection); one more is told 400 and closed.
    """

    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], engine: Engine,
                 idle_timeout: float = 600.0, max_connections: int = 64) -> None:
        self.engine = engine
        self.idle_timeout = idle_timeout
        self.slots = threading.BoundedSemaphore(max_connections)
        self.warmer: threading.Thread | None = None  # see make_server
        super().__init__(address, NewsHandler)

    def process_request(self, request, client_address) -> None:
        if not self.slots.acquire(blocking=False):
            logger.warning("nntp %s refused: too many connections", client_address[0])
            try:
                request.sendall(b"400 Too many connections, try again later\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request, client_address) -> None:
        """Log what escaped a connection (socketserver prints it to stderr)."""
        logger.exception("nntp connection from %s failed", client_address[0])


class LineTooLong(Exception):
    pass


class NewsHandler(socketserver.StreamRequestHandler):
    """One connection: greeting, then a reply per command line until QUIT."""

    server: NewsServer
    wbufsize = WRITE_BUFFER

    def setup(self) -> None:
        # typeshed has timeout as a class variable; setup() reads it per instance.
        self.timeout = self.server.idle_timeout  # type: ignore[misc]
        self.answered = False  # has the current command's status line gone out?
        super().setup()

    def handle(self) -> None:
        started, self.commands = time.monotonic(), 0
        with Session(self.server.engine) as session:
            reader = Reader(session)
            try:
                self._send(Reply(GREETING))
                self._serve(reader, session)
            except TimeoutError:
                self._goodbye("400 Idle timeout, closing connection")
            except ConnectionError:
                pass
        logger.info("nntp %s: %d commands in %.1f s", self.client_address[0],
                    self.commands, time.monotonic() - started)

    def _goodbye(self, status: str) -> None:
        try:
            self._send_status(status)
        except OSError:
            pass

    def _serve(self, reader: Reader, session: DbSession) -> None:
        while True:
            try:
                line = self._read_line()
            except LineTooLong:
                self._send(Reply("501 Line too long"))
                continue
            if line is None:
                return
            self.commands += 1
            reply = self._execute(reader, session, line)
            if reply.close:
                return

    def _execute(self, reader: Reader, session: DbSession, line: bytes) -> Reply:
        text = _text(line)
        if text is None:
            reply = Reply("501 Commands are UTF-8 text")
            self._send(reply)
            return reply
        self.answered = False
        try:
            reply = reader.execute(text)
            self._send(reply)
        except OSError:
            raise
        except Exception:  # noqa: BLE001 - the client gets 403, the log the trace
            logger.exception("nntp command failed: %r", text[:80])
            # Mid-answer, a status line would read as data: hang up instead.
            if not self.answered:
                self._goodbye("403 Internal fault, the command was not completed")
            return HANG_UP
        finally:
            session.rollback()
        return reply

    def _read_line(self) -> bytes | None:
        """The next command line without its CRLF; None when the client left."""
        line = self.rfile.readline(MAX_LINE + 1)
        if not line:
            return None
        if len(line) > MAX_LINE:
            if not line.endswith(b"\n"):
                self._drain()
            raise LineTooLong
        return line.rstrip(b"\r\n")

    def _drain(self) -> None:
        """Skip the rest of an overlong line; close if it never ends."""
        seen = 0
        while seen < DRAIN_LIMIT:
            rest = self.rfile.readline(MAX_LINE)
            if not rest or rest.endswith(b"\n"):
                return
            seen += len(rest)
        raise ConnectionError("line without end")

    def _send(self, reply: Reply) -> None:
        self._send_status(reply.status, flush=reply.data is None)
        if reply.data is None:
            return
        for chunk in reply.data:
            self.wfile.write(_STUFF.sub(b"..", chunk))
        self.wfile.write(b".\r\n")
        self.wfile.flush()

    def _send_status(self, status: str, flush: bool = True) -> None:
        self.answered = True
        self.wfile.write(status.encode("utf-8", "replace") + b"\r\n")
        if flush:
            self.wfile.flush()


def _text(line: bytes) -> str | None:
    """A command line as text, or None if it is not UTF-8 or holds a NUL."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\0" in text else text


def make_server(engine: Engine, host: str = "127.0.0.1", port: int = 1119,
                idle_timeout: float = 600.0, max_connections: int = 64,
                warm: bool = False) -> NewsServer:
    """A bound, listening server; run it with `serve_forever()` (port 0: any).

    With `warm`, a background thread renders the groups' newest overviews
    (`nntp_overview.warm_overviews`) while the server already answers;
    `server.warmer` is that thread.
    """
    server = NewsServer((host, port), engine, idle_timeout, max_connections)
    server.warmer = None
    if warm:
        server.warmer = threading.Thread(target=_warm, args=(engine,), daemon=True,
                                         name="nntp-warm-overviews")
        server.warmer.start()
    return server


def _warm(engine: Engine) -> None:
    started = time.monotonic()
    try:
        with Session(engine) as session:
            done = warm_overviews(session)
    except Exception:  # noqa: BLE001 - serving goes on, rendering on demand
        logger.exception("nntp: warming the overviews failed")
        return
    logger.info("nntp: overviews of %d articles ready in %.1f s", done,
                time.monotonic() - started)
