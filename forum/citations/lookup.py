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

How the services are asked (transport, rate limits, settings) is
`forum.citations.clients`.  Nothing here imports Flask or SQLAlchemy;
`lookup_from_config` takes a mapping.
"""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any, Literal, Protocol

from forum.citations import crossref, ncbi
from forum.citations.clients import (
    CrossrefClient,
    HttpStatusError,
    LookupFailed,
    LookupMisconfigured,
    NcbiClient,
    Transport,
    clients_from_config,
    urllib_transport,
)

# LookupFailed and LookupMisconfigured are what callers of this module catch.
__all__ = ["MISSING", "CachedLookup", "Crossref", "DictCache", "LookupCache",
           "LookupFailed", "LookupMisconfigured", "MetadataSource", "NcbiEsummary",
           "cache_key", "lookup_from_config"]

logger = logging.getLogger(__name__)


class _Missing(enum.Enum):
    MISSING = "MISSING"


MISSING = _Missing.MISSING
"""What `LookupCache.get` returns when nothing is stored under the key."""


class IdentifierLike(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def value(self) -> str: ...


class MetadataSource(Protocol):
    name: str  # first part of the cache key
    kinds: frozenset[str]

    def fetch(self, identifier: IdentifierLike) -> dict[str, Any] | None: ...


class LookupCache(Protocol):
    def get(self, key: str) -> dict[str, Any] | None | Literal[_Missing.MISSING]: ...

    def put(self, key: str, value: dict[str, Any] | None) -> None: ...


class DictCache:
    """An in-memory LookupCache that stores JSON copies, as a database would."""

    def __init__(self) -> None:
        self.entries: dict[str, str] = {}

    def get(self, key: str) -> dict[str, Any] | None | Literal[_Missing.MISSING]:
        stored = self.entries.get(key)
        if stored is None:
            return MISSING
        found: dict[str, Any] | None = json.loads(stored)
        return found

    def put(self, key: str, value: dict[str, Any] | None) -> None:
        self.entries[key] = json.dumps(value)


class NcbiEsummary(NcbiClient):
    """PMIDs (db=pubmed) and PMCIDs (db=pmc) through NCBI E-utilities esummary."""

    name = "ncbi"
    kinds = frozenset({"pmid", "pmcid"})

    def fetch(self, identifier: IdentifierLike) -> dict[str, Any] | None:
        """CSL-JSON for the PMID or PMCID, or None when NCBI has no summary."""
        db, uid = ncbi.database_and_uid(identifier.kind, identifier.value)
        url = ncbi.esummary_url(db, uid, self.tool, self.email, self.api_key)
        try:
            return ncbi.parse_esummary(self.get_json(url), uid)
        except (LookupFailed, ValueError) as exc:
            raise LookupFailed(
                f"NCBI esummary, {identifier.kind} {identifier.value}: {exc}") from exc


class Crossref(CrossrefClient):
    """DOIs through the Crossref works API."""

    name = "crossref"
    kinds = frozenset({"doi"})

    def fetch(self, identifier: IdentifierLike) -> dict[str, Any] | None:
        """CSL-JSON for the DOI, or None when Crossref answers 404."""
        url = crossref.work_url(identifier.value, self.mailto)
        try:
            return crossref.parse_work(self.get_json(url))
        except (LookupFailed, ValueError) as exc:
            if isinstance(exc, HttpStatusError) and exc.status == 404:
                return None  # "Resource not found."
            raise LookupFailed(f"Crossref, doi {identifier.value}: {exc}") from exc


class CachedLookup:
    """Routes an identifier to the source for its kind, through the cache."""

    def __init__(self, sources: Iterable[MetadataSource], cache: LookupCache):
        self.sources = {kind: source for source in sources for kind in source.kinds}
        self.cache = cache

    def handles(self, kind: str) -> bool:
        """Whether identifiers of this kind can be looked up at all."""
        return kind in self.sources

    def lookup(self, identifier: IdentifierLike) -> dict[str, Any] | None:
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


def lookup_from_config(config: Mapping[str, object], cache: LookupCache,
                       transport: Transport = urllib_transport) -> CachedLookup | None:
    """The configured lookup, or None while FORUM_CITATION_LOOKUP is off (default).

    The settings it reads are those of `clients.settings_from_config`.
    """
    clients = clients_from_config(config, NcbiEsummary, Crossref, transport)
    return CachedLookup(clients, cache) if clients else None
