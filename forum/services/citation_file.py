"""Bibliographic details from a CSL-JSON file, into the lookup cache.

Lookups (NCBI, Crossref) are off by default and this archive often runs with
no network, so an operator can ship the details of the papers a site cites
as a CSL-JSON file (the format Zotero, Pandoc and citeproc share).  Each item
is stored under the same cache key a lookup would have used
("ncbi:pmid:22271372", "crossref:doi:10.1007/..."), so a record created later
takes its details from the cache without asking the network, and records
that exist already are filled at once.  Items are checked, never trusted:
one without an identifier or a title is reported and left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from forum.citations.identifiers import parse_identifier
from forum.citations.kinds import Identifier, InvalidIdentifier
from forum.extensions import DbSession
from forum.models import Citation, User
from forum.services.citations import apply_metadata, metadata_fields
from forum.services.lookup_cache import FILE_SOURCE, DatabaseCache, details_key

# CSL-JSON's identifier fields, in the order a record prefers them.
ID_FIELDS = (("PMID", "pmid"), ("PMCID", "pmcid"), ("DOI", "doi"),
             ("ISBN", "isbn"), ("URL", "url"))


@dataclass
class LoadReport:
    read: int = 0
    stored: int = 0
    unchanged: int = 0
    records_filled: int = 0
    problems: list[str] = field(default_factory=list)


def item_identifiers(item: dict[str, Any]) -> list[Identifier]:
    """Every identifier a CSL item names (PMID, PMCID, DOI, ISBN, URL)."""
    found: list[Identifier] = []
    for name, kind in ID_FIELDS:
        value = str(item.get(name) or "").strip()
        if not value:
            continue
        text = value if kind == "url" else f"{kind} {value}"
        try:
            identifier = parse_identifier(text)
        except InvalidIdentifier:
            continue
        if identifier.kind == kind and identifier not in found:
            found.append(identifier)
    return found


def load_items(session: DbSession, actor: User | None, items: object) -> LoadReport:
    """Store each item under its identifiers' cache keys; fill known records."""
    report = LoadReport()
    if not isinstance(items, list):
        report.problems.append("the file holds no CSL-JSON list of items")
        return report
    cache = DatabaseCache(lambda: session)
    for position, item in enumerate(items, 1):
        report.read += 1
        problem = _problem(item)
        if problem:
            report.problems.append(f"item {position}: {problem}")
            continue
        csl = _clean(item)
        for identifier in item_identifiers(item):
            key = details_key(identifier)
            if cache.get(key) == csl:
                report.unchanged += 1
            else:
                cache.put(key, csl)
                report.stored += 1
            citation = _record(session, identifier)
            if citation is not None and _differs(citation, csl):
                apply_metadata(session, actor, citation, csl, FILE_SOURCE)
                report.records_filled += 1
    return report


def _problem(item: object) -> str:
    if not isinstance(item, dict):
        return "not a CSL-JSON object"
    if not str(item.get("title") or "").strip():
        return "no title: details are stored only for works whose title is known"
    if not item_identifiers(item):
        return (f"{str(item.get('title'))[:60]!r} names no PMID, PMCID, DOI, ISBN "
                "or URL to store it under")
    return ""


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    """The item as stored: CSL fields the records use, plus its identifiers."""
    keep = ("type", "title", "author", "container-title", "container-title-short",
            "issued", "volume", "issue", "page", "PMID", "PMCID", "DOI", "ISBN",
            "URL", "note")
    return {name: item[name] for name in keep if item.get(name) not in (None, "", [])}


def _record(session: DbSession, identifier: Identifier) -> Citation | None:
    return session.scalar(select(Citation).where(
        Citation.kind == identifier.kind, Citation.key == identifier.key))


def _differs(citation: Citation, csl: dict[str, Any]) -> bool:
    return any(getattr(citation, name) != value
               for name, value in metadata_fields(csl).items())
