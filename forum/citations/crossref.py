"""Crossref works API: the request URL, and a work's `message` as CSL-JSON.

Pure functions, no network: `forum.citations.lookup.Crossref` does the asking.
Shapes were checked against recorded answers in tests/data/lookup/.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

WORKS_URL = "https://api.crossref.org/works/"


def work_url(doi: str, mailto: str) -> str:
    """The works URL for `doi`, with `mailto` so Crossref can reach us (polite pool).

    The slash after the prefix stays; anything else unsafe in a DOI (old SICI
    DOIs hold "<", ">", ";" and "#") is percent-encoded.
    """
    return f"{WORKS_URL}{quote(doi.strip(), safe='/')}?{urlencode({'mailto': mailto})}"


def parse_work(payload: object) -> dict[str, Any]:
    """The CSL-JSON item for a works answer ({"status": "ok", "message": {...}}).

    Raises ValueError when the answer is not that shape. Unknown DOIs never get
    here: Crossref answers them with HTTP 404.
    """
    if not isinstance(payload, dict) or payload.get("status") != "ok":
        raise ValueError("the answer is not a Crossref works answer")
    message = payload.get("message")
    if not isinstance(message, dict):
        raise ValueError("the Crossref answer has no 'message'")
    return message_to_csl(message)


def message_to_csl(message: dict[str, Any]) -> dict[str, Any]:
    """One Crossref work as CSL-JSON, leaving out empty fields."""
    item = {
        "title": _first(message.get("title")),
        "author": _authors(message.get("author")),
        "container-title": _first(message.get("container-title")),
        "issued": _issued(message.get("issued")),
        "volume": _text(message.get("volume")),
        "issue": _text(message.get("issue")),
        "page": _text(message.get("page")),
        "DOI": _text(message.get("DOI")),
        "URL": _text(message.get("URL")),
    }
    return {key: value for key, value in item.items() if value}


def author_from_contributor(contributor: dict[str, Any]) -> dict[str, str] | None:
    """A Crossref contributor as a CSL name: {given, family} or, for groups,
    {name} becomes {literal}. Publishers do deposit institutions as authors."""
    family = _text(contributor.get("family"))
    given = _text(contributor.get("given"))
    if family:
        return {"family": family, "given": given} if given else {"family": family}
    name = _text(contributor.get("name"))
    return {"literal": name} if name else None


def _authors(authors: object) -> list[dict[str, str]]:
    names = []
    for contributor in authors if isinstance(authors, list) else []:
        if isinstance(contributor, dict):
            name = author_from_contributor(contributor)
            if name:
                names.append(name)
    return names


def _issued(issued: object) -> dict[str, list[list[int]]] | None:
    """Crossref's date-parts, dropping its placeholder for "no date" ([[null]])."""
    parts = issued.get("date-parts") if isinstance(issued, dict) else None
    if not isinstance(parts, list) or not parts or not isinstance(parts[0], list):
        return None
    first = []
    for part in parts[0]:
        if not isinstance(part, int) or isinstance(part, bool):
            break
        first.append(part)
    return {"date-parts": [first]} if first else None


def _first(values: object) -> str:
    if isinstance(values, list) and values:
        return _text(values[0])
    return _text(values)


def _text(value: object) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""
