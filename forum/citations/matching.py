"""Which paper a written reference means: candidates for a moderator to confirm.

Two services are asked about a `FoundReference` (see `references.py`):

- NCBI's citation matcher, ECitMatch (`ecitmatch.py`), for PMIDs: it matches
  on journal, volume and first page, and says when the author did not match.
- Crossref's bibliographic search (`crossref_search.py`), for DOIs: a work
  becomes a candidate only when its score is high enough and the year, the
  first author and the title (or journal) agree.

Nothing is ever confirmed here.  Lookups are off unless configured
(`clients.settings_from_config`), and they go over the network, so they belong
in a CLI command or background job, never in a request.  Answers are cached like
identifier lookups ("<source>:reference:<query>"); failures raise LookupFailed
and are not cached.  Pure standard library: no Flask, no database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from forum.citations.candidates import Candidate, ReferenceSource
from forum.citations.clients import (
    LookupFailed,
    Transport,
    clients_from_config,
    urllib_transport,
)
from forum.citations.crossref_search import CrossrefBibliographic
from forum.citations.ecitmatch import NcbiCitationMatcher
from forum.citations.lookup import MISSING, LookupCache
from forum.citations.reference_shapes import FoundReference

# The sources are imported from here by callers that build a matcher themselves.
__all__ = ["Candidate", "CrossrefBibliographic", "NcbiCitationMatcher",
           "ReferenceMatcher", "candidates_for", "matcher_from_config"]

logger = logging.getLogger(__name__)


class ReferenceMatcher:
    """Asks every source about a reference, through the lookup cache."""

    def __init__(self, sources: Iterable[ReferenceSource], cache: LookupCache):
        self.sources = list(sources)
        self.cache = cache

    def candidates(self, reference: FoundReference) -> list[Candidate]:
        """Every source's candidates, for a moderator to confirm or reject.

        Raises LookupFailed after asking all sources if any failed; answers that
        came back are cached, so asking again costs only the failed source.
        """
        found: list[Candidate] = []
        failures: list[str] = []
        for source in self.sources:
            query = source.query(reference)
            if query is None:
                continue
            key = f"{source.name}:reference:{query}"
            answer = self.cache.get(key)
            if answer is MISSING or answer is None:  # sources never answer None
                try:
                    answer = source.ask(query)
                except LookupFailed as exc:
                    failures.append(str(exc))
                    continue
                self.cache.put(key, answer)
            found.extend(source.candidates(reference, answer))
        logger.info("reference %r: %d candidates", reference.text[:60], len(found))
        if failures:
            raise LookupFailed("; ".join(failures))
        return found


def matcher_from_config(config: Mapping[str, object], cache: LookupCache,
                        transport: Transport = urllib_transport
                        ) -> ReferenceMatcher | None:
    """The configured matcher, or None while FORUM_CITATION_LOOKUP is off (default)."""
    clients = clients_from_config(config, NcbiCitationMatcher, CrossrefBibliographic,
                                  transport)
    return ReferenceMatcher(clients, cache) if clients else None


def candidates_for(reference: FoundReference, config: Mapping[str, object],
                   cache: LookupCache, transport: Transport = urllib_transport
                   ) -> list[Candidate]:
    """Candidate PMIDs and DOIs for a reference; [] while lookups are off.

    Never confirms anything: the moderation queue shows each with its reason.
    """
    matcher = matcher_from_config(config, cache, transport)
    return matcher.candidates(reference) if matcher else []
