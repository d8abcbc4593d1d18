"""Crossref's bibliographic search: DOIs for references, checked before proposed.

The search (/works?query.bibliographic=) ranks works by its relevance `score`.
A work becomes a candidate only when the score reaches MIN_CROSSREF_SCORE and
the year, the first author's family name and the title (or, without one, the
journal) agree; the reason given with the candidate lists each check.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from forum.citations.candidates import Candidate
from forum.citations.clients import (
    CrossrefClient,
    LookupFailed,
    Transport,
    urllib_transport,
)
from forum.citations.reference_shapes import FoundReference

CROSSREF_WORKS_URL = "https://api.crossref.org/works"
CROSSREF_ROWS = 5
# Crossref's score is unbounded and grows with the query's length.  In the
# recorded answer the right work scored 57 and the next 22; a full reference
# string scores higher still.  The agreement checks below do the real work.
MIN_CROSSREF_SCORE = 40.0
MIN_TITLE_WORDS_SHARED = 0.6
_STOP_WORDS = frozenset({"with", "from", "into", "that", "this", "their", "there",
                         "were", "have", "been", "after", "than", "upon", "which"})


def bibliographic_url(query: str, mailto: str, rows: int = CROSSREF_ROWS) -> str:
    """The works search URL for a reference string, with `mailto` (polite pool)."""
    params = {"query.bibliographic": query, "rows": rows, "mailto": mailto}
    return f"{CROSSREF_WORKS_URL}?{urlencode(params)}"


def parse_work_list(payload: object) -> list[dict[str, Any]]:
    """The works of a search answer ({"status": "ok", "message-type": "work-list"}).

    Raises ValueError for any other shape, e.g. {"status": "failed"}.
    """
    if (not isinstance(payload, dict) or payload.get("status") != "ok"
            or payload.get("message-type") != "work-list"):
        raise ValueError("the answer is not a Crossref work list")
    items = (payload.get("message") or {}).get("items")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValueError("the Crossref work list has no 'items'")
    return items


def judge_work(reference: FoundReference, work: dict[str, Any],
               min_score: float = MIN_CROSSREF_SCORE) -> tuple[bool, str]:
    """Whether a found work is the reference's paper, and the checks, in words."""
    checks = [_score_check(work, min_score), _year_check(reference, work),
              _author_check(reference, work), _words_check(reference, work)]
    return all(ok for ok, _ in checks), "; ".join(said for _, said in checks)


def _score_check(work: dict[str, Any], min_score: float) -> tuple[bool, str]:
    score = work.get("score")
    if not isinstance(score, int | float) or isinstance(score, bool):
        return False, "Crossref gave no score"
    relation = ">=" if score >= min_score else "<"
    return score >= min_score, f"Crossref score {score:.1f} {relation} {min_score:g}"


def _year_check(reference: FoundReference, work: dict[str, Any]) -> tuple[bool, str]:
    """Print and online years may differ, so any of Crossref's dates may agree."""
    years = sorted({year for field in ("issued", "published-print", "published-online")
                    if (year := _first_year(work.get(field))) is not None})
    if reference.year in years:
        return True, f"year {reference.year} agrees"
    found = "/".join(map(str, years)) or "none"
    return False, f"year {reference.year} differs from Crossref's {found}"


def _author_check(reference: FoundReference, work: dict[str, Any]) -> tuple[bool, str]:
    wanted = reference.first_author.family
    authors = [a for a in work.get("author") or [] if isinstance(a, dict)]
    first = next((a for a in authors if a.get("sequence") == "first"),
                 authors[0] if authors else {})
    family = str(first.get("family") or first.get("name") or "")
    if family and _fold(family) == _fold(wanted):
        return True, f"first author {wanted} agrees"
    return False, f"first author {wanted} differs from Crossref's {family or 'none'}"


def _words_check(reference: FoundReference, work: dict[str, Any]) -> tuple[bool, str]:
    """The title's words when the reference gives a title, else the journal's."""
    if reference.title:
        wanted = _title_words(reference.title)
        found = _title_words(" ".join(_strings(work.get("title"))))
        shared = len(wanted & found)
        ok = bool(wanted) and shared / len(wanted) >= MIN_TITLE_WORDS_SHARED
        return ok, f"title words {shared}/{len(wanted)} shared"
    if reference.journal:
        names = _strings(work.get("container-title")) + _strings(
            work.get("short-container-title"))
        ok = any(_abbreviates(reference.journal, name) for name in names)
        said = "agrees with" if ok else "differs from"
        return ok, f"journal '{reference.journal}' {said} '{names[0] if names else ''}'"
    return False, "the reference gives neither title nor journal"


class CrossrefBibliographic(CrossrefClient):
    """DOIs for references through Crossref's bibliographic search."""

    name = "crossref-bibliographic"

    def __init__(self, mailto: str, transport: Transport = urllib_transport,
                 tool: str = "forum-archive", rows: int = CROSSREF_ROWS,
                 min_score: float = MIN_CROSSREF_SCORE,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        super().__init__(mailto, transport, tool, clock, sleep)
        self.rows, self.min_score = rows, min_score

    def query(self, reference: FoundReference) -> str | None:
        return " ".join(reference.text.replace(">", " ").split())

    def ask(self, query: str) -> dict[str, Any]:
        """The works found, trimmed to what `judge_work` reads: {"items": [...]}."""
        url = bibliographic_url(query, self.mailto, self.rows)
        try:
            items = parse_work_list(self.get_json(url))
        except (LookupFailed, ValueError) as exc:
            raise LookupFailed(f"Crossref search, {query[:60]!r}: {exc}") from exc
        return {"items": [_trimmed(item) for item in items]}

    def candidates(self, reference: FoundReference,
                   answer: dict[str, Any]) -> list[Candidate]:
        found = []
        for work in answer["items"]:
            accepted, why = judge_work(reference, work, self.min_score)
            if accepted and work.get("DOI"):
                found.append(Candidate("doi", work["DOI"], self.name, why))
        return found


# --- Helpers ----------------------------------------------------------------------


def _trimmed(item: dict[str, Any]) -> dict[str, Any]:
    keep = ("DOI", "score", "title", "container-title", "short-container-title",
            "issued", "published-print", "published-online")
    work = {key: item[key] for key in keep if key in item}
    work["author"] = [{k: a[k] for k in ("family", "name", "sequence") if k in a}
                      for a in item.get("author") or [] if isinstance(a, dict)]
    return work


def _first_year(date: object) -> int | None:
    parts = date.get("date-parts") if isinstance(date, dict) else None
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        year = parts[0][0]
        return year if isinstance(year, int) and not isinstance(year, bool) else None
    return None


def _strings(values: object) -> list[str]:
    if isinstance(values, str):
        return [values]
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def _title_words(title: str) -> set[str]:
    words = re.findall(r"[^\W_]+", _fold(title))
    return {w for w in words if len(w) >= 4 and w not in _STOP_WORDS}


def _abbreviates(abbreviation: str, name: str) -> bool:
    """"J Open Res Softw" abbreviates "Journal of Open Research Software": each
    word starts one of the name's words, in order."""
    words = [w for w in re.findall(r"[^\W_]+", _fold(name))
             if w not in {"of", "the", "and", "for", "in", "on"}]
    position = 0
    for short in re.findall(r"[^\W_]+", _fold(abbreviation)):
        while position < len(words) and not words[position].startswith(short):
            position += 1
        if position == len(words):
            return False
        position += 1
    return True


def _fold(text: str) -> str:
    """Lower case without accents, so "Paré" and "PARE" agree."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
