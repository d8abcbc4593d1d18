"""Pull articles from a news server: `nntp://host[:port]/group[,group...]`.

For each group: GROUP for the number range, OVER in batches for the numbers
that exist, then ARTICLE for each of them, parsed exactly like a spool file
(importers.parsing.parse_message with newsgroups=True).  Every item carries
`source` = the group's URL (never credentials) and `position` = "group:number",
so the caller can remember the highest number per group once a batch is
committed and pass it back as `after` to resume.

A dropped connection is retried with exponential back-off; the client
reconnects, selects the group again and goes on after the last number it
yielded, so no article is yielded twice.  When the attempts run out,
`PullFailed` says so; what was yielded before stays good.
"""

from __future__ import annotations

import logging
import re
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import NoReturn
from urllib.parse import urlsplit

from importers.base import ImportProblem, IncomingMessage, ParsedStream
from importers.nntp_client import (
    GroupInfo,
    NNTPConnection,
    NNTPConnectionLost,
    NNTPError,
)
from importers.parsing import parse_message

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"nntp": 119, "nntps": 563}
MAX_BACKOFF = 60.0  # seconds between attempts, however many are allowed
# Anything printable but the wildmat characters and the list separator.
_GROUP_NAME = re.compile(r"[^\s*?\[\]\\!,]+")
_WILDMAT = re.compile(r"[*?\[\]\\!]")


class PullFailed(ConnectionError):
    """The server stayed unreachable after every retry."""


@dataclass(frozen=True, slots=True)
class NewsURL:
    """A parsed `nntp://` or `nntps://` URL (see `parse_news_url`)."""

    scheme: str
    host: str
    port: int
    groups: tuple[str, ...]
    tls: bool

    @property
    def server(self) -> str:
        """`scheme://host[:port]`, the port only when it is not the default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if self.port == DEFAULT_PORTS[self.scheme] else f":{self.port}"
        return f"{self.scheme}://{host}{port}"

    def source(self, group: str) -> str:
        """The `source` of one group's items: stable, and free of credentials."""
        return f"{self.server}/{group}"


@dataclass(frozen=True, slots=True)
class GroupPlan:
    """What a pull of one group will fetch, for a progress bar.

    `count_estimate` is the server's count minus what `start_after` excludes, at
    most; servers' counts are estimates (RFC 3977 6.1.1).  A group the server
    does not carry has `missing` set and nothing to fetch.
    """

    group: str
    low: int
    high: int
    count_estimate: int
    start_after: int
    missing: bool = False


def parse_news_url(url: str) -> NewsURL:
    """Read `nntp://HOST[:PORT]/GROUP[,GROUP...]` (or `nntps://`, TLS, port 563).

    Credentials are refused in the URL: they would end up in logs and in the
    stored `source`; the caller passes them to `NewsPuller` instead.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"{url!r}: a news URL starts with nntp:// or nntps://")
    if parts.username or parts.password:
        # Not echoing the URL: it holds the password.
        raise ValueError("no user or password in the URL, please; "
                         "give the user and password separately")
    if not parts.hostname:
        raise ValueError(f"{url!r}: no server name")
    if parts.query or parts.fragment:
        raise ValueError(f"{url!r}: a news URL has no ?query or #fragment")
    return NewsURL(scheme, parts.hostname, _port(url, parts, scheme),
                   _groups(url, parts.path), scheme == "nntps")


def _port(url: str, parts, scheme: str) -> int:
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{url!r}: the port must be a number from 1 to 65535") \
            from None
    if port == 0:
        raise ValueError(f"{url!r}: the port must be a number from 1 to 65535")
    return port or DEFAULT_PORTS[scheme]


def _groups(url: str, path: str) -> tuple[str, ...]:
    path = path.strip("/")
    if not path:
        raise ValueError(f"{url!r}: no group; write nntp://server/group.name")
    if "/" in path:
        raise ValueError(f"{url!r}: name groups only (group,group), "
                         "not an article number or a folder")
    groups = tuple(g.strip() for g in path.split(","))
    for group in groups:
        if _WILDMAT.search(group):
            raise ValueError(f"{url!r}: wildcards are not supported; "
                             "name each group, separated by commas")
        if not _GROUP_NAME.fullmatch(group):
            raise ValueError(f"{url!r}: {group!r} is not a group name")
    if len(set(groups)) != len(groups):
        raise ValueError(f"{url!r}: a group is named twice")
    return groups


class NewsPuller:
    """Pulls the groups of one news URL; one connection, reopened when it drops.

    `after` maps a group to the highest article number already fetched.
    `sleep` is injectable so tests need not wait out the back-off.
    """

    def __init__(self, url: NewsURL | str, *, user: str | None = None,
                 password: str | None = None,
                 after: Mapping[str, int] | None = None,
                 batch_size: int = 500, depth: int = 16, timeout: float = 30.0,
                 attempts: int = 6, backoff: float = 0.5,
                 sleep: Callable[[float], None] = time.sleep,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.url = parse_news_url(url) if isinstance(url, str) else url
        self.after = dict(after or {})
        self.batch_size, self.depth, self.timeout = batch_size, depth, timeout
        self.attempts, self.backoff, self.sleep = attempts, backoff, sleep
        self._user, self._password = user, password
        self._ssl_context = ssl_context
        self._conn: NNTPConnection | None = None
        self.reconnects = 0

    def __enter__(self) -> NewsPuller:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __iter__(self) -> ParsedStream:
        """Every group of the URL, in the order given."""
        for group in self.url.groups:
            yield from self.iter_group(group)

    def plan(self) -> list[GroupPlan]:
        """Each group's number range and how many articles remain, roughly."""
        return [self._plan(group) for group in self.url.groups]

    def iter_group(self, group: str) -> ParsedStream:
        """The group's articles after `after[group]`, oldest number first.

        A group the server does not carry is one ImportProblem (kind "error").
        """
        last = self.after.get(group, 0)
        failures = 0
        while True:
            try:
                for number, item in self._fetch(group, last):
                    last, failures = number, 0
                    yield item
                return
            except NNTPConnectionLost as exc:
                failures += 1
                self._give_up_or_wait(group, failures, exc)
            except NNTPError as exc:
                if exc.code != 411:
                    self._drop()
                    self._refused(exc)
                yield self._missing(group, exc)
                return
            except GeneratorExit:
                # Replies to pipelined commands may be unread: the connection
                # is unusable for anything else.
                self._drop()
                raise

    def close(self) -> None:
        """Say QUIT and close; the next call connects again."""
        if self._conn is not None:
            self._conn.quit()
            self._conn = None

    # -- one group -----------------------------------------------------------------

    def _fetch(self, group: str, after: int
               ) -> Iterator[tuple[int, IncomingMessage | ImportProblem]]:
        info = self._connection().group(group)
        source = self.url.source(group)
        for low in range(max(after + 1, info.low), info.high + 1, self.batch_size):
            high = min(low + self.batch_size - 1, info.high)
            numbers = [e.number for e in self._connection().over(low, high)
                       if e.number > after]
            for number, data in self._connection().articles(numbers, self.depth):
                yield number, _item(data, source, group, number)

    def _plan(self, group: str) -> GroupPlan:
        start = self.after.get(group, 0)
        failures = 0
        while True:
            try:
                return _group_plan(self._connection().group(group), start)
            except NNTPConnectionLost as exc:
                failures += 1
                self._give_up_or_wait(group, failures, exc)
            except NNTPError as exc:
                if exc.code != 411:
                    self._refused(exc)
                return GroupPlan(group, 0, 0, 0, start, missing=True)

    def _refused(self, exc: NNTPError) -> NoReturn:
        """Raise the refusal; a 480 without a user says what to do about it."""
        if exc.code == 480 and self._user is None:
            raise NNTPError(exc.code, f"{exc.text} (the server wants a user and "
                            "password)", exc.command) from exc
        raise exc

    def _missing(self, group: str, exc: NNTPError) -> ImportProblem:
        logger.warning("%s has no group %s: %s", self.url.server, group, exc)
        return ImportProblem(self.url.source(group), "group",
                             f"the server has no group {group} ({exc.code} "
                             f"{exc.text})", kind="error")

    # -- the connection ------------------------------------------------------------

    def _connection(self) -> NNTPConnection:
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def _connect(self) -> NNTPConnection:
        conn = NNTPConnection(self.url.host, self.url.port, tls=self.url.tls,
                              timeout=self.timeout, ssl_context=self._ssl_context)
        try:
            conn.mode_reader()
            if self._user is not None:
                conn.authenticate(self._user, self._password or "")
        except BaseException:
            conn.close()
            raise
        return conn

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _give_up_or_wait(self, group: str, failures: int, exc: Exception) -> None:
        """Back off 0.5, 1, 2, 4 ... seconds; PullFailed after `attempts` tries."""
        self._drop()
        if failures >= self.attempts:
            raise PullFailed(f"{self.url.server}/{group}: gave up after "
                             f"{failures} attempts: {exc}") from exc
        delay = min(self.backoff * 2 ** (failures - 1), MAX_BACKOFF)
        logger.warning("%s/%s: %s; reconnecting in %.1fs", self.url.server, group,
                       exc, delay)
        self.sleep(delay)
        self.reconnects += 1


def pull_news(url: str, **options) -> ParsedStream:
    """Every article of every group of `url` (options as for NewsPuller)."""
    with NewsPuller(url, **options) as puller:
        yield from puller


def article_position(position: str) -> tuple[str, int]:
    """("group", number) from an item's position "group:number", for the caller
    that records the highest number fetched per group."""
    group, _, number = position.rpartition(":")
    if not group or not number.isdigit():
        raise ValueError(f"not a news position: {position!r}")
    return group, int(number)


def _group_plan(info: GroupInfo, start_after: int) -> GroupPlan:
    first = max(start_after + 1, info.low)
    remaining = info.high - first + 1 if info.high >= first else 0
    return GroupPlan(info.name, info.low, info.high, min(info.count, remaining),
                     start_after)


def _item(data: bytes | None, source: str, group: str, number: int):
    position = f"{group}:{number}"
    if data is None:
        return ImportProblem(source, position, "listed by the server but gone "
                             "when fetched (cancelled or expired)", kind="skipped")
    item = parse_message(data, source, position, newsgroups=True)
    if isinstance(item, IncomingMessage) and group not in item.groups:
        item.groups.append(group)
    return item
