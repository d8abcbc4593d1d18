"""What reference matching deals in: a source's candidates, and what a source is.

`matching.ReferenceMatcher` asks every `ReferenceSource` about a reference; the
sources are `ecitmatch` (NCBI) and `crossref_search` (Crossref).
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from forum.citations.reference_shapes import FoundReference


class Candidate(NamedTuple):
    """An identifier a service proposes for a reference, and why, for a moderator."""

    kind: str  # "pmid" or "doi"
    value: str
    source: str  # "ncbi-ecitmatch" or "crossref-bibliographic"
    why: str


class ReferenceSource(Protocol):
    """A service that proposes papers for a written reference.

    `query` is what to ask (None: nothing to ask about this reference), `ask`
    asks it and returns a JSON-serialisable answer for the cache, and
    `candidates` reads the answer, fresh or cached.
    """

    name: str  # first part of the cache key

    def query(self, reference: FoundReference) -> str | None: ...

    def ask(self, query: str) -> dict[str, Any]: ...

    def candidates(self, reference: FoundReference,
                   answer: dict[str, Any]) -> list[Candidate]: ...
