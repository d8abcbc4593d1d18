"""A news server on a free loopback port over the sample archive, and clients.

The server runs in a thread of this process, as `flask nntp serve` runs it,
and is reached over a real socket; each connection reads through a session
of its own, so the sample is committed before anyone connects.
"""

from __future__ import annotations

import socket
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from forum.extensions import db
from forum.nntp.server import make_server
from forum.services.nntp_overview import forget_all


@dataclass
class Address:
    host: str
    port: int


@pytest.fixture
def news_server(app, sample) -> Iterator[Address]:
    """The server over the sample archive, stopped after the test."""
    yield from run_server(idle_timeout=30)


def run_server(idle_timeout: float, max_connections: int = 64,
               warm: bool = False) -> Iterator[Address]:
    forget_all()
    server = make_server(db.engine, "127.0.0.1", 0, idle_timeout=idle_timeout,
                         max_connections=max_connections, warm=warm)
    if warm:
        server.warmer.join(timeout=60)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Address(*server.server_address[:2])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        forget_all()


def nntplib_module():
    """The standard library's client (deprecated in 3.11, gone in 3.13)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import nntplib
    return nntplib


@pytest.fixture
def newsreader(news_server):
    """An nntplib client connected to the server."""
    nntplib = nntplib_module()
    client = nntplib.NNTP(news_server.host, news_server.port, timeout=30)
    yield client
    try:
        client.quit()
    except (OSError, EOFError, nntplib.NNTPError):
        pass


class RawClient:
    """A client that sends bytes as they are and reads replies line by line."""

    def __init__(self, address: Address) -> None:
        self.sock = socket.create_connection((address.host, address.port),
                                             timeout=30)
        self.file = self.sock.makefile("rwb")
        self.greeting = self.file.readline()

    def send(self, raw: bytes) -> bytes:
        """Send `raw` (its line end included) and return the status line."""
        self.file.write(raw)
        self.file.flush()
        return self.file.readline()

    def command(self, line: str) -> bytes:
        return self.send(line.encode() + b"\r\n")

    def data(self) -> list[bytes]:
        """A multi-line reply's lines, raw (dot-stuffed, CRLF kept)."""
        lines = []
        while (line := self.file.readline()) != b".\r\n":
            assert line, "the server closed the connection mid-reply"
            lines.append(line)
        return lines

    def close(self) -> None:
        self.file.close()
        self.sock.close()


@pytest.fixture
def raw(news_server) -> Iterator[RawClient]:
    client = RawClient(news_server)
    yield client
    client.close()
