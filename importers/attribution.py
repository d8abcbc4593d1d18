"""Attribution lines: what one says, and which author it fits.

"Mark wrote", "thai (tha...@sympatico.ca) wrote:", "In article <id>, user@host
(Name) writes:", "On <date>, <name> wrote:", "Il giorno ... ha scritto:",
"..., giu...@example.it:": each comes down to the Message-IDs, addresses
(masked as Google Groups masks them, or not), name words and days it names,
which are then matched against the authors of earlier posts.  Pure: stdlib only.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W_]+")
_VERB = (
    r"(?:wrote|writes|writ|said|says|schrieb|schreibt|a\s+écrit|ha\s+scritto"
    r"|escribió|escribio|skrev|kirjoitti|schreef)"
)
# The verb ends the line, perhaps with "in message news:<id>" or a date after it.
ATTRIBUTION = re.compile(
    rf"^(?P<who>.{{0,240}}?)\b{_VERB}"
    r"(?P<tail>(?:\s+(?:in\s+(?:message|article|news|<)|on\s|am\s|the\s+following)"
    r".{0,160})?)"
    r"\s*:?\s*$",
    re.I,
)
ADDRESS = re.compile(
    r"[\w.+=-]*\.\.\.@[\w-]+(?:\.[\w-]+)+|[\w.+=-]+@[\w-]+(?:\.[\w-]+)+"
)
_ID = re.compile(
    r"(?:\barticle|\bmessage|\bnews:|^\s*in)\s*<([^<>\s]+@[^<>\s]+)>"
    r"|news:\s*([^\s<>]+@[^\s<>]*[\w])",
    re.I,
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            "jan gen ene janv januar gennaio enero janvier january января",
            "feb febr fev februar febbraio febrero fevrier février february февраля",
            "mar mär märz marzo mars march марта",
            "apr abr avr aprile abril avril april апреля",
            "may mag mai maggio mayo мая",
            "jun giu juin juni giugno junio june июня",
            "jul lug juil juli luglio julio juillet july июля",
            "aug ago aou août agosto aout august августа",
            "sep set sept settembre septiembre septembre september сентября",
            "oct ott okt ottobre octubre octobre oktober october октября",
            "nov novembre noviembre november ноября",
            "dec dic dez déc dicembre diciembre decembre décembre dezember december"
            " декабря",
        ],
        start=1,
    )
    for name in names.split()
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATES = re.compile(
    rf"(?P<iso>(?P<y1>\d{{4}})-(?P<m1>\d\d)-(?P<d1>\d\d))"
    rf"|(?P<dm>(?P<d2>\d{{1,2}})\.?\s+(?P<m2>{_MONTH})\.?,?\s+(?P<y2>\d{{2,4}}))"
    rf"|(?P<md>(?P<m3>{_MONTH})\.?\s+(?P<d3>\d{{1,2}}),?\s+(?P<y3>\d{{4}}))"
    r"|(?P<num>(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<y4>\d{2,4}))",
    re.I,
)
_TIME = re.compile(r"\d{1,2}:\d\d(?::\d\d)?(?:\s*[ap]\.?m\.?)?|[+-]\d{4}\b", re.I)
_NOISE = frozenset(
    "on in article il giorno alle ore am um le el den op at the following wrote writes"
    " from sent behalf of mailto"
    " said says schrieb schreibt a écrit ha scritto escribió message news at ile"
    " mon tue wed thu fri sat sun lun mar mer gio ven sab dom mo di mi do fr sa so"
    " lu ma je ve di sam dim mié jue vie".split()
) | frozenset(_MONTHS)


@dataclass(slots=True)
class Attribution:
    """One attribution line: who is quoted, as the reply names them."""

    depth: int
    text: str
    ids: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    words: set[str] = field(default_factory=set)
    days: set[date] = field(default_factory=set)


def parse_attribution(text: str, depth: int = 0) -> Attribution | None:
    """The ids, addresses, name words and days one attribution line mentions."""
    if len(text) > 400:
        return None
    attribution = Attribution(depth, text)
    for match in _ID.finditer(text):
        attribution.ids.append((match.group(1) or match.group(2)).rstrip("."))
    rest = _ID.sub(" ", text)
    attribution.addresses = [address.lower() for address in ADDRESS.findall(rest)]
    rest = ADDRESS.sub(" ", rest)
    attribution.days = _days(rest)
    rest = _TIME.sub(" ", _DATES.sub(" ", rest))
    head = ATTRIBUTION.match(rest)
    rest = head.group("who") if head else rest
    attribution.words = {
        word for word in _WORD.findall(rest.lower())
        if len(word) > 1 and word not in _NOISE and not word.isdigit()
    }
    if not (attribution.ids or attribution.addresses or attribution.words):
        return None
    return attribution


def _days(text: str) -> set[date]:
    """Every calendar day a date in the text could mean (d/m and m/d both)."""
    days: set[date] = set()
    for match in _DATES.finditer(text):
        if match.group("iso"):
            parts = [(match["y1"], match["m1"], match["d1"])]
        elif match.group("dm"):
            parts = [(match["y2"], _MONTHS[match["m2"].lower()], match["d2"])]
        elif match.group("md"):
            parts = [(match["y3"], _MONTHS[match["m3"].lower()], match["d3"])]
        else:
            parts = [(match["y4"], match["a"], match["b"]),
                     (match["y4"], match["b"], match["a"])]
        days.update(filter(None, (_day(*part) for part in parts)))
    return days


def _day(year, month, day) -> date | None:
    year = int(year)
    year += 1900 if 70 <= year < 100 else 2000 if year < 70 else 0
    try:
        return date(year, int(month), int(day))
    except ValueError:
        return None


def identity_score(attribution: Attribution, name: str, email: str | None) -> float:
    """How well an author (name, address) fits an attribution, 0..1.

    A full address is surest; a masked one (`tha...@sympatico.ca`) fits an
    address with that prefix and domain, or a name starting with the prefix;
    a name fits when all its words, or its first word, are in the line.
    """
    email = (email or "").lower()
    best = 0.0
    for address in attribution.addresses:
        best = max(best, _address_score(address, email, name))
    tokens = [word for word in _WORD.findall(name.lower()) if len(word) > 1]
    words = attribution.words
    if tokens and all(token in words for token in tokens):
        best = max(best, 0.9)
    elif tokens and tokens[0] in words:
        best = max(best, 0.6)
    elif len(tokens) > 1 and tokens[-1] in words:
        best = max(best, 0.5)
    return best


def _address_score(address: str, email: str, name: str) -> float:
    if address == email:
        return 1.0
    local, _, domain = address.partition("@")
    if not local.endswith("..."):
        return 0.0
    prefix = local[:-3]
    own_local, _, own_domain = email.partition("@")
    if own_domain == domain and own_local.startswith(prefix):
        return 0.95
    squeezed = "".join(_WORD.findall(name.lower()))
    return 0.5 if len(prefix) >= 2 and squeezed.startswith(prefix) else 0.0


def identity_keys(name: str, email: str | None) -> set[str]:
    """Index keys under which an author can be found from an attribution."""
    keys = {f"w:{word}" for word in _WORD.findall(name.lower()) if len(word) > 1}
    if email:
        email = email.lower()
        keys.add(f"e:{email}")
        keys.add(f"d:{email.partition('@')[2]}")
    squeezed = "".join(_WORD.findall(name.lower()))
    keys.update(f"p:{squeezed[:size]}" for size in range(2, min(len(squeezed), 8) + 1))
    return keys


def attribution_keys(attribution: Attribution) -> set[str]:
    """The index keys an attribution line can match (see identity_keys)."""
    keys = {f"w:{word}" for word in attribution.words}
    for address in attribution.addresses:
        keys.add(f"e:{address}")
        local, _, domain = address.partition("@")
        if local.endswith("..."):
            keys.add(f"d:{domain}")
            keys.add(f"p:{local[:-3][:8]}")
    return keys


def names_real_id(attributions: list[Attribution]) -> bool:
    """Whether the lines name a real Message-ID ("In article <id>").

    Masked ids (`10OCT00....@psfc.mit.edu`) name nothing that can be looked
    up, so the names beside them still count.
    """
    return any("..." not in ref for line in attributions for ref in line.ids)


def date_fit(attribution: Attribution, when: datetime | None) -> float:
    """A date in the attribution agrees (+) or disagrees (-) with a post's."""
    if not attribution.days or when is None:
        return 0.0
    apart = min(abs((when.date() - said).days) for said in attribution.days)
    return 0.05 if apart == 0 else 0.02 if apart == 1 else -0.3  # 1: time zones
