"""The persistent cache of citation metadata lookups, in the database.

Implements `forum.citations.lookup`'s cache protocol: `get` gives the stored
answer, None for a stored "not found", or MISSING.  "Not found" answers expire
after a week (a new PMID may be summarised a few days after it is issued).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from forum.citations.kinds import Identifier
from forum.citations.lookup import MISSING, cache_key, lookup_from_config
from forum.extensions import DbSession
from forum.models import CitationLookup
from forum.services.audit import utcnow

if TYPE_CHECKING:
    from forum.citations.lookup import CachedLookup, _Missing

    # What the cache protocol's `get` answers.
    Cached = dict[str, Any] | None | Literal[_Missing.MISSING]

NOT_FOUND_FOR = timedelta(days=7)
# Which lookup answers for each kind.  URLs and ISBNs have none: details an
# operator loads from a file for them live under the file's own name.
SOURCE_FOR_KIND = {"pmid": "ncbi", "pmcid": "ncbi", "doi": "crossref"}
FILE_SOURCE = "file"


def make_lookup(config: Mapping[str, object], session: Callable[[], DbSession],
                **options: Any) -> CachedLookup | None:
    """The configured lookup with its cache in the database, or None when off.

    Made once per process (create_app keeps it), so rate limits hold across
    requests.  A misconfiguration (on, no contact e-mail) raises at start.
    """
    return lookup_from_config(config, cache=DatabaseCache(session), **options)


def details_key(identifier: Identifier) -> str:
    """The cache key a work's details are kept under, from a lookup or a file."""
    return cache_key(SOURCE_FOR_KIND.get(identifier.kind, FILE_SOURCE), identifier)


def cached_details(session: DbSession,
                   identifier: Identifier) -> dict[str, Any] | None:
    """The details the cache holds for this work, without asking the network."""
    value = DatabaseCache(lambda: session).get(details_key(identifier))
    return None if value is MISSING else value


class DatabaseCache:
    def __init__(self, session: Callable[[], DbSession]) -> None:
        self._session = session

    @property
    def session(self) -> DbSession:
        return self._session()

    def get(self, key: str) -> Cached:
        row = self.session.get(CitationLookup, key)
        if row is None:
            return MISSING
        if not row.found:
            if utcnow() - row.fetched_at > NOT_FOUND_FOR:
                return MISSING
            return None
        return row.value

    def put(self, key: str, value: dict[str, Any] | None) -> None:
        row = self.session.get(CitationLookup, key) or CitationLookup(key=key)
        row.found, row.value, row.fetched_at = value is not None, value, utcnow()
        self.session.add(row)
        self.session.flush()
