"""Asking NCBI and Crossref over HTTP: the transport, rate limits and settings.

Two jobs ask the same two services: `lookup` fetches a paper's details by its
identifier, `matching` asks which paper a written reference means.  What they
share about asking is here: the transport (a function from URL and headers to
the body, so tests replay recorded answers), one client per service that names
itself and a contact and keeps to the service's rate, and the settings that
switch lookups on.  Failures raise `LookupFailed`; messages and logs never carry
a URL's query string, which holds the API key.

Nothing here imports Flask: `settings_from_config` takes a mapping.
"""

from __future__ import annotations

import collections
import dataclasses
import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import TypeVar

Transport = Callable[[str, Mapping[str, str]], bytes]
NCBI_PER_SECOND = 3  # without an API key; 10 with one
NCBI_PER_SECOND_WITH_KEY = 10
CROSSREF_PER_SECOND = 5  # Crossref's public pool allows this for single works
TIMEOUT_SECONDS = 15.0


class LookupFailed(Exception):
    """The service could not be asked or its answer could not be read."""


class HttpStatusError(LookupFailed):
    """The service answered with an HTTP error status."""

    def __init__(self, url: str, status: int):
        super().__init__(f"{without_query(url)} answered HTTP {status}")
        self.status = status


class LookupMisconfigured(ValueError):
    """FORUM_CITATION_LOOKUP is on but the settings it needs are not."""


class RateLimiter:
    """At most `per_second` calls in any one-second window, across threads.

    A sliding window over the last `per_second` calls: a call waits until the
    oldest of them is a full second old.
    """

    def __init__(self, per_second: int, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.per_second = per_second
        self.clock = clock
        self.sleep = sleep
        self._recent: collections.deque[float] = collections.deque(maxlen=per_second)
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until one more call fits, then count it."""
        with self._lock:
            now = self.clock()
            while len(self._recent) == self.per_second and now - self._recent[0] < 1:
                self.sleep(self._recent[0] + 1 - now)
                now = self.clock()
            self._recent.append(now)


def urllib_transport(url: str, headers: Mapping[str, str]) -> bytes:
    """GET `url` with the standard library; errors become LookupFailed."""
    request = urllib.request.Request(url, headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as exc:
        exc.close()
        raise HttpStatusError(url, exc.code) from exc
    except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts
        reason = getattr(exc, "reason", exc)
        raise LookupFailed(f"{without_query(url)}: {reason}") from exc


def without_query(url: str) -> str:
    """Messages and logs never carry the query string: it holds the API key."""
    return url.split("?", 1)[0]


class ServiceClient:
    """Asks one service as `tool`, giving `contact` (both services ask clients to
    name themselves and a contact address), at most as fast as `limiter` allows."""

    def __init__(self, tool: str, contact: str, transport: Transport,
                 limiter: RateLimiter):
        self.tool = tool
        self.contact = contact
        self.transport = transport
        self.limiter = limiter

    def get(self, url: str, accept: str = "application/json") -> bytes:
        """The body at `url`, once the rate limit allows; LookupFailed on failure."""
        headers = {"User-Agent": f"{self.tool} (mailto:{self.contact})",
                   "Accept": accept}
        self.limiter.wait()
        return self.transport(url, headers)

    def get_json(self, url: str) -> object:
        """The JSON answer at `url`; LookupFailed when the body is not JSON."""
        body = self.get(url)
        try:
            return json.loads(body)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
            raise LookupFailed(
                f"{without_query(url)} answered with something that is not JSON: "
                f"{exc}") from exc


class NcbiClient(ServiceClient):
    """A client of NCBI E-utilities: `tool` and `email` go with every request.

    NCBI counts every E-utility together: clients of several E-utilities in one
    process should share one `limiter`.
    """

    def __init__(self, tool: str, email: str, api_key: str | None = None,
                 transport: Transport = urllib_transport,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 limiter: RateLimiter | None = None):
        rate = NCBI_PER_SECOND_WITH_KEY if api_key else NCBI_PER_SECOND
        super().__init__(tool, email, transport,
                         limiter or RateLimiter(rate, clock, sleep))
        self.email, self.api_key = email, api_key


class CrossrefClient(ServiceClient):
    """A client of the Crossref REST API, in its polite pool (`mailto` given)."""

    def __init__(self, mailto: str, transport: Transport = urllib_transport,
                 tool: str = "forum-archive",
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        super().__init__(tool, mailto, transport,
                         RateLimiter(CROSSREF_PER_SECOND, clock, sleep))
        self.mailto = mailto


@dataclasses.dataclass(frozen=True)
class LookupSettings:
    """Who the services are told is asking: NCBI's tool and email, Crossref's mailto."""

    tool: str
    email: str
    api_key: str | None
    mailto: str


def settings_from_config(config: Mapping[str, object]) -> LookupSettings | None:
    """The lookup settings, or None while FORUM_CITATION_LOOKUP is off (default).

    Reads FORUM_NCBI_TOOL (default "forum-archive"), FORUM_NCBI_EMAIL (required
    when on: NCBI and Crossref both ask for a contact), FORUM_NCBI_API_KEY and
    FORUM_CROSSREF_MAILTO (defaults to the NCBI email).
    """
    if not _switched_on(config.get("FORUM_CITATION_LOOKUP", False)):
        return None
    email = str(config.get("FORUM_NCBI_EMAIL") or "").strip()
    if not email:
        raise LookupMisconfigured(
            "FORUM_CITATION_LOOKUP is on but FORUM_NCBI_EMAIL is not set: NCBI "
            "E-utilities require a contact email with every request")
    tool = str(config.get("FORUM_NCBI_TOOL") or "forum-archive").strip()
    api_key = str(config.get("FORUM_NCBI_API_KEY") or "").strip() or None
    mailto = str(config.get("FORUM_CROSSREF_MAILTO") or "").strip() or email
    return LookupSettings(tool, email, api_key, mailto)


N = TypeVar("N", bound=NcbiClient)
C = TypeVar("C", bound=CrossrefClient)


def clients_from_config(config: Mapping[str, object], ncbi: type[N], crossref: type[C],
                        transport: Transport = urllib_transport) -> tuple[N, C] | None:
    """An NCBI and a Crossref client of the given classes, set up as configured;
    None while FORUM_CITATION_LOOKUP is off (see `settings_from_config`)."""
    settings = settings_from_config(config)
    if settings is None:
        return None
    return (ncbi(settings.tool, settings.email, settings.api_key, transport=transport),
            crossref(settings.mailto, transport=transport, tool=settings.tool))


def _switched_on(setting: object) -> bool:
    """Booleans as given; environment strings "1/true/yes/on" or "0/false/no/off"."""
    if isinstance(setting, bool):
        return setting
    word = str(setting).strip().lower()
    if word in {"1", "true", "yes", "on"}:
        return True
    if word in {"", "0", "false", "no", "off", "none"}:
        return False
    raise LookupMisconfigured(
        f"FORUM_CITATION_LOOKUP must be on or off, not {setting!r}")
