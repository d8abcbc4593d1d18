"""NCBI E-utilities esummary: the request URL, and the JSON answer as CSL-JSON.

Pure functions, no network: `forum.citations.lookup.NcbiEsummary` does the asking.
Shapes were checked against recorded answers in tests/data/lookup/.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

ESUMMARY_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esummary.fcgi"
PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{}/"

_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun",
     "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_SUFFIXES = {"Jr", "Sr", "2nd", "3rd", "4th"}
_PMCID = re.compile(r"PMC\d+\Z")
# In db=pubmed, idtype "pmcid" holds "pmc-id: PMC...;manuscript-id: ...;" and
# "pmc" holds the bare PMCID; in db=pmc, "pmcid" is bare and PMIDs are "pmid".
_ID_FIELDS = {"pubmed": "PMID", "pmid": "PMID", "pmc": "PMCID", "pmcid": "PMCID",
              "doi": "DOI"}


def database_and_uid(kind: str, value: str) -> tuple[str, str]:
    """The esummary database and uid for an identifier.

    PMC's uids are the PMCID's digits, so "PMC7044908" is asked as db=pmc, id=7044908.
    """
    value = value.strip()
    if kind == "pmid":
        return "pubmed", value
    if kind == "pmcid":
        return "pmc", value.upper().removeprefix("PMC")
    raise ValueError(f"NCBI esummary does not look up {kind} identifiers")


def esummary_url(db: str, uid: str, tool: str, email: str,
                 api_key: str | None = None) -> str:
    """The esummary URL, carrying the `tool` and `email` NCBI asks every client for."""
    params = {"db": db, "id": uid, "retmode": "json", "tool": tool, "email": email}
    if api_key:
        params["api_key"] = api_key
    return f"{ESUMMARY_URL}?{urlencode(params)}"


def parse_esummary(payload: object, uid: str) -> dict[str, Any] | None:
    """The CSL-JSON item for `uid`, or None when NCBI has no summary for it.

    Raises ValueError when the answer is not esummary's shape, including a
    top-level "error" without a result (rate limits, bad requests): those are
    failures to report, not facts about the identifier.
    """
    if not isinstance(payload, dict):
        raise ValueError("the answer is not a JSON object")
    result = payload.get("result")
    if not isinstance(result, dict):
        reason = payload.get("error") or "the answer has no 'result'"
        raise ValueError(f"NCBI esummary said: {reason}")
    record = result.get(uid)
    if record is None:
        # {"uids": [], ...} or an "Invalid uid" error: NCBI does not know it.
        return None
    if not isinstance(record, dict):
        raise ValueError(f"the summary for {uid} is not a JSON object")
    if "error" in record:
        # "cannot get document summary"; NCBI also says this for some records it
        # holds but cannot summarise yet, so persistent caches should expire it.
        return None
    return record_to_csl(record)


def record_to_csl(record: dict[str, Any]) -> dict[str, Any]:
    """One esummary document summary as CSL-JSON, leaving out empty fields."""
    item = {
        "title": _title(_text(record.get("title"))),
        "author": _authors(record.get("authors")),
        "container-title": (_text(record.get("fulljournalname"))
                            or _text(record.get("source"))),
        "issued": _issued(_text(record.get("pubdate")),
                          _text(record.get("sortpubdate"))),
        "volume": _text(record.get("volume")),
        "issue": _text(record.get("issue")),
        "page": _text(record.get("pages")),
        **_article_ids(record.get("articleids")),
    }
    if item.get("PMID"):
        item["URL"] = PUBMED_URL.format(item["PMID"])
    return {key: value for key, value in item.items() if value}


def author_from_name(name: str) -> dict[str, str]:
    """A PubMed display name ("Abraham GE", "Lester Kirchner H") as a CSL name.

    PubMed writes "Family Initials [Suffix]"; anything else (a group name, an
    unusual spelling) is kept whole as a literal rather than split wrongly.
    """
    words = name.split()
    suffix = words.pop() if len(words) > 2 and words[-1] in _SUFFIXES else ""
    if len(words) >= 2 and _are_initials(words[-1]):
        author = {"family": " ".join(words[:-1]), "given": words[-1]}
        if suffix:
            author["suffix"] = suffix
        return author
    return {"literal": " ".join(name.split())}


def _are_initials(word: str) -> bool:
    return len(word) <= 4 and word.isalpha() and word.isupper()


def _authors(authors: object) -> list[dict[str, str]]:
    if not isinstance(authors, list):
        return []
    names = []
    for author in authors:
        if not isinstance(author, dict) or not _text(author.get("name")):
            continue
        if author.get("authtype") == "CollectiveName":
            names.append({"literal": _text(author["name"])})
        elif author.get("authtype", "Author") == "Author":
            names.append(author_from_name(_text(author["name"])))
    return names


def _issued(pubdate: str, sortpubdate: str) -> dict[str, list[list[int]]] | None:
    """date-parts from "2019 May", "2000 Nov 12", "1992 Jan-Feb", "2013 Spring".

    sortpubdate ("2019/05/01 00:00") gives only the year: it fills an unknown
    month and day with 01, which would claim a precision nobody recorded.
    """
    words = pubdate.split()
    if not words or not (words[0].isdigit() and len(words[0]) == 4):
        year = sortpubdate[:4]
        return {"date-parts": [[int(year)]]} if year.isdigit() else None
    parts = [int(words[0])]
    month = _MONTHS.get(words[1][:3].lower()) if len(words) > 1 else None
    if month:
        parts.append(month)
        if len(words) > 2 and words[2].isdigit():
            parts.append(int(words[2]))
    return {"date-parts": [parts]}


def _article_ids(ids: object) -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in ids if isinstance(ids, list) else []:
        if not isinstance(entry, dict):
            continue
        field = _ID_FIELDS.get(_text(entry.get("idtype")))
        value = _text(entry.get("value"))
        if field == "PMCID" and not _PMCID.match(value):
            continue
        if field and value:
            found.setdefault(field, value)
    return found


def _title(title: str) -> str:
    """PubMed ends every title with a full stop; a citation style adds its own."""
    return title[:-1] if title.endswith(".") and not title.endswith("..") else title


def _text(value: object) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""
