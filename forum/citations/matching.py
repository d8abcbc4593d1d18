"""Which paper a written reference means: candidates for a moderator to confirm.

Two services are asked about a `FoundReference` (see `references.py`):

- NCBI's citation matcher, ECitMatch, takes "journal|year|volume|first
  page|author|key|" and answers the same line with a PMID, "NOT_FOUND..." or
  "AMBIGUOUS [pmid,pmid,...]" appended.  It weighs journal, volume and page
  above the author, and blanks the echoed author when the author did not match;
  the reason given with a candidate says so.
- Crossref's bibliographic search (/works?query.bibliographic=) ranks works
  by its relevance `score`.  A work becomes a candidate only when the score
  reaches MIN_CROSSREF_SCORE and the year, the first author's family name and
  the title (or, without one, the journal) agree; the reason lists each check.

Nothing is ever confirmed here.  Lookups are off unless configured
(`lookup.settings_from_config`), and they go over the network, so they belong in
a CLI command or background job, never in a request.  Answers are cached like
identifier lookups ("<source>:reference:<query>"); failures raise LookupFailed
and are not cached.  Pure standard library: no Flask, no database.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple
from urllib.parse import urlencode

from forum.citations.lookup import (
    CROSSREF_PER_SECOND,
    MISSING,
    NCBI_PER_SECOND,
    NCBI_PER_SECOND_WITH_KEY,
    HttpStatusError,
    LookupCache,
    LookupFailed,
    RateLimiter,
    Transport,
    settings_from_config,
    urllib_transport,
)
from forum.citations.references import FoundReference

logger = logging.getLogger(__name__)

ECITMATCH_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/ecitmatch.cgi"
CROSSREF_WORKS_URL = "https://api.crossref.org/works"
CROSSREF_ROWS = 5
# Crossref's score is unbounded and grows with the query's length.  In the
# recorded answer the right work scored 57 and the next 22; a full reference
# string scores higher still.  The agreement checks below do the real work.
MIN_CROSSREF_SCORE = 40.0
MIN_TITLE_WORDS_SHARED = 0.6
_KEY = "ref1"
_STOP_WORDS = frozenset({"with", "from", "into", "that", "this", "their", "there",
                         "were", "have", "been", "after", "than", "upon", "which"})


class Candidate(NamedTuple):
    """An identifier a service proposes for a reference, and why, for a moderator."""

    kind: str  # "pmid" or "doi"
    value: str
    source: str  # "ncbi-ecitmatch" or "crossref-bibliographic"
    why: str


@dataclasses.dataclass(frozen=True, slots=True)
class CitationMatch:
    """One ECitMatch answer line: the fields echoed back and what was found."""

    journal: str
    year: str
    volume: str
    first_page: str
    author: str
    key: str
    status: str  # "found", "not_found" or "ambiguous"
    pmids: tuple[str, ...]
    detail: str  # the last field as NCBI wrote it


# --- NCBI ECitMatch --------------------------------------------------------------


def citation_string(reference: FoundReference, key: str = _KEY) -> str | None:
    """The "journal|year|volume|first_page|author_name|your_key|" line, or None
    without a journal: ECitMatch matches on the journal first."""
    if not reference.journal:
        return None
    author = reference.first_author
    fields = [_plain(reference.journal), str(reference.year), reference.volume or "",
              reference.first_page or "", _plain(f"{author.family} {author.initials}"),
              key]
    return "|".join(field.replace("|", " ") for field in fields) + "|"


def ecitmatch_url(citations: Iterable[str], tool: str, email: str,
                  api_key: str | None = None) -> str:
    """The ECitMatch URL; several citation strings are joined by carriage returns."""
    params = {"db": "pubmed", "retmode": "xml", "bdata": "\r".join(citations),
              "tool": tool, "email": email}
    if api_key:
        params["api_key"] = api_key
    return f"{ECITMATCH_URL}?{urlencode(params, safe='|')}"


def parse_ecitmatch(body: bytes | str) -> list[CitationMatch]:
    """The answer's lines ("...|key|2014248", "...|key|NOT_FOUND;INVALID_JOURNAL",
    "...|key|AMBIGUOUS 33057196,32076266").

    Raises ValueError for anything else (an HTML error page, JSON): a failure to
    report, not a fact about the reference.
    """
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    matches = []
    for line in re.split(r"\r\n|\r|\n", text):
        if not line.strip():
            continue
        fields = line.split("|")
        if len(fields) < 7:
            raise ValueError("ECitMatch answered a line that is not journal|year|"
                             f"volume|page|author|key|result: {line[:80]!r}")
        journal, year, volume, page, author, key = (f.strip() for f in fields[:6])
        status, pmids, detail = _outcome("|".join(fields[6:]).strip(), line)
        matches.append(CitationMatch(journal, year, volume, page, author, key,
                                     status, pmids, detail))
    return matches


def _outcome(outcome: str, line: str) -> tuple[str, tuple[str, ...], str]:
    if outcome.isdigit():
        return "found", (outcome,), outcome
    if outcome.startswith("AMBIGUOUS"):
        return "ambiguous", tuple(re.findall(r"\d+", outcome)), outcome
    if outcome == "" or outcome.startswith("NOT_FOUND"):
        return "not_found", (), outcome
    raise ValueError(f"ECitMatch answered an unknown result: {line[:80]!r}")


class NcbiCitationMatcher:
    """PMIDs for references with a journal, from NCBI ECitMatch."""

    name = "ncbi-ecitmatch"

    def __init__(self, tool: str, email: str, api_key: str | None = None,
                 transport: Transport = urllib_transport,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 limiter: RateLimiter | None = None, key: str = _KEY):
        self.tool, self.email, self.api_key = tool, email, api_key
        self.key = key  # "your_key": one reference is asked at a time
        self.transport = transport
        # NCBI counts every E-utility together: pass the esummary source's limiter
        # when both run in one process.
        rate = NCBI_PER_SECOND_WITH_KEY if api_key else NCBI_PER_SECOND
        self.limiter = limiter or RateLimiter(rate, clock, sleep)

    def query(self, reference: FoundReference) -> str | None:
        return citation_string(reference, self.key)

    def ask(self, query: str) -> dict:
        """The parsed answer as a cacheable dict: {"matches": [...]}."""
        url = ecitmatch_url([query], self.tool, self.email, self.api_key)
        headers = {"User-Agent": f"{self.tool} (mailto:{self.email})",
                   "Accept": "text/plain"}
        self.limiter.wait()
        try:
            matches = parse_ecitmatch(self.transport(url, headers))
        except (LookupFailed, ValueError) as exc:  # UnicodeDecodeError is a ValueError
            raise LookupFailed(f"NCBI ECitMatch, {query!r}: {exc}") from exc
        return {"matches": [dataclasses.asdict(match) for match in matches]}

    def candidates(self, reference: FoundReference, answer: dict) -> list[Candidate]:
        """PMIDs for the answer line with our key; none when NCBI found nothing."""
        for fields in answer["matches"]:
            match = CitationMatch(**{**fields, "pmids": tuple(fields["pmids"])})
            if match.key == self.key:
                return _ecitmatch_candidates(match, self.name)
        return []  # ECitMatch leaves out lines it cannot classify


def _ecitmatch_candidates(match: CitationMatch, source: str) -> list[Candidate]:
    asked = (f"journal '{match.journal}', year {match.year or '?'}, "
             f"volume {match.volume or '?'}, first page {match.first_page or '?'}")
    author = (f"author '{match.author}' matched" if match.author
              else "the author was not matched by NCBI")
    if match.status == "found":
        why = f"NCBI citation matcher: {asked}; {author}"
        return [Candidate("pmid", match.pmids[0], source, why)]
    if match.status == "ambiguous":
        why = (f"NCBI citation matcher found {len(match.pmids)} papers for {asked}; "
               "this is one of them")
        return [Candidate("pmid", pmid, source, why) for pmid in match.pmids]
    return []


# --- Crossref bibliographic search -----------------------------------------------


def bibliographic_url(query: str, mailto: str, rows: int = CROSSREF_ROWS) -> str:
    """The works search URL for a reference string, with `mailto` (polite pool)."""
    params = {"query.bibliographic": query, "rows": rows, "mailto": mailto}
    return f"{CROSSREF_WORKS_URL}?{urlencode(params)}"


def parse_work_list(payload: object) -> list[dict]:
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


def judge_work(reference: FoundReference, work: dict,
               min_score: float = MIN_CROSSREF_SCORE) -> tuple[bool, str]:
    """Whether a found work is the reference's paper, and the checks, in words."""
    checks = [_score_check(work, min_score), _year_check(reference, work),
              _author_check(reference, work), _words_check(reference, work)]
    return all(ok for ok, _ in checks), "; ".join(said for _, said in checks)


def _score_check(work: dict, min_score: float) -> tuple[bool, str]:
    score = work.get("score")
    if not isinstance(score, int | float) or isinstance(score, bool):
        return False, "Crossref gave no score"
    relation = ">=" if score >= min_score else "<"
    return score >= min_score, f"Crossref score {score:.1f} {relation} {min_score:g}"


def _year_check(reference: FoundReference, work: dict) -> tuple[bool, str]:
    """Print and online years may differ, so any of Crossref's dates may agree."""
    years = sorted({year for field in ("issued", "published-print", "published-online")
                    if (year := _first_year(work.get(field))) is not None})
    if reference.year in years:
        return True, f"year {reference.year} agrees"
    found = "/".join(map(str, years)) or "none"
    return False, f"year {reference.year} differs from Crossref's {found}"


def _author_check(reference: FoundReference, work: dict) -> tuple[bool, str]:
    wanted = reference.first_author.family
    authors = [a for a in work.get("author") or [] if isinstance(a, dict)]
    first = next((a for a in authors if a.get("sequence") == "first"),
                 authors[0] if authors else {})
    family = str(first.get("family") or first.get("name") or "")
    if family and _fold(family) == _fold(wanted):
        return True, f"first author {wanted} agrees"
    return False, f"first author {wanted} differs from Crossref's {family or 'none'}"


def _words_check(reference: FoundReference, work: dict) -> tuple[bool, str]:
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


class CrossrefBibliographic:
    """DOIs for references through Crossref's bibliographic search."""

    name = "crossref-bibliographic"

    def __init__(self, mailto: str, transport: Transport = urllib_transport,
                 tool: str = "forum-archive", rows: int = CROSSREF_ROWS,
                 min_score: float = MIN_CROSSREF_SCORE,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.mailto, self.tool = mailto, tool
        self.rows, self.min_score = rows, min_score
        self.transport = transport
        self.limiter = RateLimiter(CROSSREF_PER_SECOND, clock, sleep)

    def query(self, reference: FoundReference) -> str | None:
        return " ".join(reference.text.replace(">", " ").split())

    def ask(self, query: str) -> dict:
        """The works found, trimmed to what `judge_work` reads: {"items": [...]}."""
        url = bibliographic_url(query, self.mailto, self.rows)
        headers = {"User-Agent": f"{self.tool} (mailto:{self.mailto})",
                   "Accept": "application/json"}
        self.limiter.wait()
        try:
            items = parse_work_list(json.loads(self.transport(url, headers)))
        except HttpStatusError as exc:
            raise LookupFailed(f"Crossref search, {query[:60]!r}: {exc}") from exc
        except (LookupFailed, ValueError) as exc:  # JSONDecodeError is a ValueError
            raise LookupFailed(f"Crossref search, {query[:60]!r}: {exc}") from exc
        return {"items": [_trimmed(item) for item in items]}

    def candidates(self, reference: FoundReference, answer: dict) -> list[Candidate]:
        found = []
        for work in answer["items"]:
            accepted, why = judge_work(reference, work, self.min_score)
            if accepted and work.get("DOI"):
                found.append(Candidate("doi", work["DOI"], self.name, why))
        return found


# --- Both, through the cache ------------------------------------------------------


class ReferenceMatcher:
    """Asks every source about a reference, through the lookup cache."""

    def __init__(self, sources: Iterable, cache: LookupCache):
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
            if answer is MISSING:
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


def matcher_from_config(config: Mapping, cache: LookupCache,
                        transport: Transport = urllib_transport
                        ) -> ReferenceMatcher | None:
    """The configured matcher, or None while FORUM_CITATION_LOOKUP is off (default)."""
    settings = settings_from_config(config)
    if settings is None:
        return None
    return ReferenceMatcher([
        NcbiCitationMatcher(settings.tool, settings.email, settings.api_key,
                            transport=transport),
        CrossrefBibliographic(settings.mailto, transport=transport,
                              tool=settings.tool),
    ], cache)


def candidates_for(reference: FoundReference, config: Mapping, cache: LookupCache,
                   transport: Transport = urllib_transport) -> list[Candidate]:
    """Candidate PMIDs and DOIs for a reference; [] while lookups are off.

    Never confirms anything: the moderation queue shows each with its reason.
    """
    matcher = matcher_from_config(config, cache, transport)
    return matcher.candidates(reference) if matcher else []


# --- Helpers ----------------------------------------------------------------------


def _trimmed(item: dict) -> dict:
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


def _plain(text: str) -> str:
    """ECitMatch's form: lower case, no full stops ("proc natl acad sci u s a")."""
    return " ".join(text.replace(".", " ").lower().split())
