"""Citation metadata lookup behind one interface, with a cache; off by default.

`CachedLookup.lookup(identifier)` routes PMIDs and PMCIDs to NCBI esummary and
DOIs to Crossref, and returns CSL-JSON (title, author, container-title, issued,
volume, issue, page, DOI/PMID/PMCID/URL) or None when the service does not know
the identifier. Other kinds (isbn, arxiv, url) are looked up nowhere: None.

The cache protocol, for whoever writes the database-backed cache:

- keys are strings "<source>:<kind>:<value>", e.g. "ncbi:pmid:9068914";
- `get(key)` returns the stored dict, None for a stored "not found", or MISSING
  when nothing is stored;
- `put(key, value)` stores a JSON-serialisable dict, or None for "not found".

Only answers are cached. Failures (HTTP errors, timeouts, malformed answers)
raise LookupFailed and are asked again next time. Negative answers may go
stale (a PMID can be summarised a few days after it is issued), so a
persistent cache may expire them.

Nothing here imports Flask or SQLAlchemy; `lookup_from_config` takes a mapping.
"""

from __future__ import annotations

import collections
import dataclasses
import enum
import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from typing import Literal, Protocol

from forum.citations import crossref, ncbi

logger = logging.getLogger(__name__)

Transport = Callable[[str, Mapping[str, str]], bytes]
NCBI_PER_SECOND = 3  # without an API key; 10 with one
NCBI_PER_SECOND_WITH_KEY = 10
CROSSREF_PER_SECOND = 5  # Crossref's public pool allows this for single works
TIMEOUT_SECONDS = 15.0


class _Missing(enum.Enum):
    MISSING = "MISSING"


MISSING = _Missing.MISSING
"""What `LookupCache.get` returns when nothing is stored under the key."""


class LookupFailed(Exception):
    """The service could not be asked or its answer could not be read."""


class HttpStatusError(LookupFailed):
    """The service answered with an HTTP error status."""

    def __init__(self, url: str, status: int):
        super().__init__(f"{_without_query(url)} answered HTTP {status}")
        self.status = status


class LookupMisconfigured(ValueError):
    """FORUM_CITATION_LOOKUP is on but the settings it needs are not."""


class IdentifierLike(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def value(self) -> str: ...


class MetadataSource(Protocol):
    name: str  # first part of the cache key
    kinds: frozenset[str]

    def fetch(self, identifier: IdentifierLike) -> dict | None: ...


class LookupCache(Protocol):
    def get(self, key: str) -> dict | None | Literal[_Missing.MISSING]: ...

    def put(self, key: str, value: dict | None) -> None: ...


class DictCache:
    """An in-memory LookupCache that stores JSON copies, as a database would."""

    def __init__(self) -> None:
        self.entries: dict[str, str] = {}

    def get(self, key: str) -> dict | None | Literal[_Missing.MISSING]:
        stored = self.entries.get(key)
        return MISSING if stored is None else json.loads(stored)

    def put(self, key: str, value: dict | None) -> None:
        self.entries[key] = json.dumps(value)


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
            return response.read()
    except urllib.error.HTTPError as exc:
        exc.close()
        raise HttpStatusError(url, exc.code) from exc
    except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts
        reason = getattr(exc, "reason", exc)
        raise LookupFailed(f"{_without_query(url)}: {reason}") from exc


class NcbiEsummary:
    """PMIDs (db=pubmed) and PMCIDs (db=pmc) through NCBI E-utilities esummary."""

    name = "ncbi"
    kinds = frozenset({"pmid", "pmcid"})

    def __init__(self, tool: str, email: str, api_key: str | None = None,
                 transport: Transport = urllib_transport,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.tool, self.email, self.api_key = tool, email, api_key
        self.transport = transport
        rate = NCBI_PER_SECOND_WITH_KEY if api_key else NCBI_PER_SECOND
        self.limiter = RateLimiter(rate, clock, sleep)

    def fetch(self, identifier: IdentifierLike) -> dict | None:
        """CSL-JSON for the PMID or PMCID, or None when NCBI has no summary."""
        db, uid = ncbi.database_and_uid(identifier.kind, identifier.value)
        url = ncbi.esummary_url(db, uid, self.tool, self.email, self.api_key)
        what = f"NCBI esummary, {identifier.kind} {identifier.value}"
        self.limiter.wait()
        try:
            payload = _get_json(self.transport, url, _headers(self.tool, self.email))
            return ncbi.parse_esummary(payload, uid)
        except (LookupFailed, ValueError) as exc:
            raise LookupFailed(f"{what}: {exc}") from exc


class Crossref:
    """DOIs through the Crossref works API."""

    name = "crossref"
    kinds = frozenset({"doi"})

    def __init__(self, mailto: str, transport: Transport = urllib_transport,
                 tool: str = "forum-archive",
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.mailto, self.tool = mailto, tool
        self.transport = transport
        self.limiter = RateLimiter(CROSSREF_PER_SECOND, clock, sleep)

    def fetch(self, identifier: IdentifierLike) -> dict | None:
        """CSL-JSON for the DOI, or None when Crossref answers 404."""
        url = crossref.work_url(identifier.value, self.mailto)
        self.limiter.wait()
        try:
            payload = _get_json(self.transport, url, _headers(self.tool, self.mailto))
            return crossref.parse_work(payload)
        except HttpStatusError as exc:
            if exc.status == 404:  # "Resource not found."
                return None
            raise LookupFailed(f"Crossref, doi {identifier.value}: {exc}") from exc
        except (LookupFailed, ValueError) as exc:
            raise LookupFailed(f"Crossref, doi {identifier.value}: {exc}") from exc


class CachedLookup:
    """Routes an identifier to the source for its kind, through the cache."""

    def __init__(self, sources: Iterable[MetadataSource], cache: LookupCache):
        self.sources = {kind: source for source in sources for kind in source.kinds}
        self.cache = cache

    def handles(self, kind: str) -> bool:
        """Whether identifiers of this kind can be looked up at all."""
        return kind in self.sources

    def lookup(self, identifier: IdentifierLike) -> dict | None:
        """CSL-JSON for the identifier, or None if unknown or not looked up.

        Raises LookupFailed when the service fails; nothing is cached then.
        """
        source = self.sources.get(identifier.kind)
        if source is None:
            return None
        key = cache_key(source.name, identifier)
        cached = self.cache.get(key)
        if cached is not MISSING:
            return cached
        found = source.fetch(identifier)
        logger.info("citation lookup %s: %s", key, "found" if found else "not found")
        self.cache.put(key, found)
        return found


def cache_key(source_name: str, identifier: IdentifierLike) -> str:
    """The cache key, e.g. "ncbi:pmid:9068914"; DOIs are case-insensitive."""
    value = identifier.value.lower() if identifier.kind == "doi" else identifier.value
    return f"{source_name}:{identifier.kind}:{value}"


@dataclasses.dataclass(frozen=True)
class LookupSettings:
    """Who the services are told is asking: NCBI's tool and email, Crossref's mailto."""

    tool: str
    email: str
    api_key: str | None
    mailto: str


def settings_from_config(config: Mapping) -> LookupSettings | None:
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


def lookup_from_config(config: Mapping, cache: LookupCache,
                       transport: Transport = urllib_transport) -> CachedLookup | None:
    """The configured lookup, or None while FORUM_CITATION_LOOKUP is off (default).

    The settings it reads are those of `settings_from_config`.
    """
    settings = settings_from_config(config)
    if settings is None:
        return None
    return CachedLookup([
        NcbiEsummary(settings.tool, settings.email, settings.api_key,
                     transport=transport),
        Crossref(settings.mailto, transport=transport, tool=settings.tool),
    ], cache)


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


def _get_json(transport: Transport, url: str, headers: Mapping[str, str]) -> object:
    body = transport(url, headers)
    try:
        return json.loads(body)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise LookupFailed(
            f"{_without_query(url)} answered with something that is not JSON: {exc}"
        ) from exc


def _headers(tool: str, contact: str) -> dict[str, str]:
    """Both services ask clients to name themselves and a contact address."""
    return {"User-Agent": f"{tool} (mailto:{contact})", "Accept": "application/json"}


def _without_query(url: str) -> str:
    """Messages and logs never carry the query string: it holds the API key."""
    return url.split("?", 1)[0]
