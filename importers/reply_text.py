"""What a reply's text says about its parent: quote levels and attribution lines.

Pure helpers for `importers.reconstruct`.  A body is read once into a `ReplyText`:
its words at each quote depth (`>`, `>>`, `: `, `|>`, "JB>", an Outlook header
block...), cut into hashed word shingles so that re-wrapped quotes still match,
and the attribution lines people wrote above their quotes, as read by
`importers.attribution`.  `QuoteMatches` scores one reply's quotes against the
earlier posts holding the same shingles.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import accumulate

from importers.attribution import ADDRESS, ATTRIBUTION, Attribution, parse_attribution

logger = logging.getLogger(__name__)

SHINGLE = 4
MAX_DEPTH = 4
# One quote marker: ">", "|>", "#>", "->", "}", initials "JB>", and "|" or ":"
# (tin's marker) only when a space or another marker follows, not ":-)".
_MARKER = r"(?:\|>|#>|->|[A-Za-z]{1,4}>(?=\s)|>|\}|\|(?=[\s>|:}]|$)|:(?=[\s>|:}]|$))"
_PREFIX = re.compile(rf"[ \t]{{0,3}}((?:{_MARKER}[ \t]?)+)")
_MARKERS = re.compile(_MARKER)
_SUPERCITE = re.compile(r">>>>> .*\b(?:said|wrote|writes):?\s*$", re.I)
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(?:original message|forwarded message)", re.I)
_OUTLOOK_FROM = re.compile(r"(?:from|von|de|da|van|发件人)\s*[:：]\s*\S", re.I)
_OUTLOOK_SENT = re.compile(
    r"(?:sent|date|gesendet|datum|envoyé|inviato|enviado|发送时间)\s*[:：]", re.I
)
_HIDDEN = re.compile(r"^\s*-\s*(?:show|hide) quoted text\s*-\s*$", re.I)
_WORD = re.compile(r"[^\W_]+")
_NEEDLES = (
    "wrote", "writ", "said", "says", "schr", "crit", "escrib", "skrev", "kirjoit", "@",
    "from:", "von:", "de:", "da:", "van:", "发件人",
)
_LEAD = re.compile(r"^\s*(?:in article|in <|on\s|il\s|am\s|le\s|el\s|den\s|op\s)", re.I)


@dataclass(slots=True)
class Level:
    """The shingles of the text at one quote depth: hashes and line spans."""

    keys: list[int] = field(default_factory=list)
    firsts: list[int] = field(default_factory=list)
    lasts: list[int] = field(default_factory=list)

    def add(self, keys, firsts, lasts) -> None:
        """Append shingles (three equally long sequences)."""
        self.keys.extend(keys)
        self.firsts.extend(firsts)
        self.lasts.extend(lasts)


@dataclass(slots=True)
class ReplyText:
    """A body read for reconstruction: shingles per quote depth, attributions.

    `levels[d]` holds the text quoted d levels deep; depth 0 is the post's own
    new text.
    """

    levels: list[Level]
    attributions: list[Attribution]


def read_reply(body: str) -> ReplyText:
    """Read a body: quote depth per line, shingles per depth, attribution lines."""
    lines = [_depth_and_text(line) for line in body.splitlines()]
    lines = _after_original_marker(lines)
    attributions = _attributions(lines)
    skip = {line for attribution, line in attributions}
    levels = [Level() for _ in range(MAX_DEPTH + 1)]
    _shingle_blocks(lines, skip, levels)
    for attribution, line in attributions:
        key = hash(("attribution", *_WORD.findall(attribution.text.lower())))
        levels[attribution.depth].add([key], [line], [line])
    return ReplyText(levels, [attribution for attribution, _ in attributions])


def _depth_and_text(line: str) -> tuple[int, str]:
    match = _PREFIX.match(line)
    if not match:
        return 0, line.strip()
    if _SUPERCITE.match(line):  # Supercite's attribution line, not a quote
        return 0, line[6:].strip()
    depth = len(_MARKERS.findall(match.group(1)))
    return min(depth, MAX_DEPTH), line[match.end():].strip()


def _after_original_marker(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Outlook-style replies quote below a marker instead of with `>`.

    The marker is "-----Original Message-----" or a header block ("From: ...",
    then "Sent: ..."); the From line stays as the reply's attribution.
    """
    result, shift = [], 0
    for number, (depth, text) in enumerate(lines):
        if _HIDDEN.match(text):
            text = ""
        elif depth == 0 and not shift and _outlook_from(lines, number):
            result.append((0, text))
            shift = 1
            continue
        elif depth == 0 and not shift and _ORIGINAL.match(text):
            text = ""
            shift = 0 if _outlook_from(lines, _next_text(lines, number)) else 1
        result.append((min(depth + shift, MAX_DEPTH), text))
    return result


def _outlook_from(lines: list[tuple[int, str]], number: int) -> bool:
    """A "From: name" line followed by a "Sent:" (or "Date:") line."""
    if number >= len(lines) or not _OUTLOOK_FROM.match(lines[number][1]):
        return False
    return any(_OUTLOOK_SENT.match(text) for _, text in lines[number + 1:number + 5])


def _next_text(lines: list[tuple[int, str]], number: int) -> int:
    """The number of the next non-blank line (len(lines) when none)."""
    for later in range(number + 1, len(lines)):
        if lines[later][1]:
            return later
    return len(lines)


def _shingle_blocks(lines, skip, levels: list[Level]) -> None:
    """Words of consecutive lines at one depth, cut into overlapping n-grams.

    Blank lines do not end a block, so a quote split into paragraphs (or
    re-wrapped by the replier) reads as one run of words.
    """
    words: list[str] = []
    numbers: list[int] = []
    depth = 0
    for number, (line_depth, text) in enumerate([*lines, (-1, "")]):
        if number in skip or (not text and line_depth >= 0):
            continue
        if line_depth != depth:
            _cut(words, numbers, levels[depth])
            words, numbers, depth = [], [], max(line_depth, 0)
        found = _WORD.findall(text.lower())
        words += found
        numbers += [number] * len(found)


def _cut(words: list[str], numbers: list[int], level: Level) -> None:
    if len(words) < SHINGLE:
        return
    grams = zip(*(words[start:] for start in range(SHINGLE)), strict=False)
    level.add(map(hash, grams), numbers[: 1 - SHINGLE], numbers[SHINGLE - 1:])


def _attributions(lines: list[tuple[int, str]]) -> list[tuple[Attribution, int]]:
    """Attribution lines at any depth, each with its line number."""
    found = []
    for number in _likely_attributions(lines):
        joined = _attribution_text(lines, number)
        if joined is not None:
            attribution = parse_attribution(joined, lines[number][0])
            if attribution is not None:
                found.append((attribution, number))
    return found


def _likely_attributions(lines: list[tuple[int, str]]) -> list[int]:
    """Numbers of the lines holding a verb stem or an "@": few, found fast.

    Plain substring search over the whole text is far quicker than running
    the attribution pattern on every line.
    """
    text = "\n".join(line for _, line in lines).lower()
    starts = list(accumulate((len(line) + 1 for _, line in lines), initial=0))
    numbers = set()
    for needle in _NEEDLES:
        position = text.find(needle)
        while position >= 0:
            numbers.add(bisect_right(starts, position) - 1)
            position = text.find(needle, position + 1)
    return sorted(numbers)


def _attribution_text(lines: list[tuple[int, str]], number: int) -> str | None:
    """This line as an attribution, joined to its wrapped first half or id line."""
    depth, text = lines[number]
    if depth == 0 and _outlook_from(lines, number):
        return text
    quoted_next = _next_depth(lines, number) > depth
    match = ATTRIBUTION.match(text)
    if match is None:
        bare = text.endswith(":") and ADDRESS.search(text) and len(text) < 160
        last = _next_depth(lines, number) < 0  # top-posted, the quote hidden
        return text if bare and (quoted_next or last) else None
    words = len(match.group("who").split())
    in_message = match.group("tail").strip().lower().startswith("in")
    short = words <= 5 and (quoted_next or _next_depth(lines, number) < 0)
    if not (text.endswith(":") or in_message or (short and not match["tail"])):
        return None
    before_depth, before = lines[number - 1] if number else (depth, "")
    wrapped = _LEAD.match(before) or before.endswith((",", "<"))
    if before_depth == depth and before and (wrapped or words < 2 and len(before) < 80):
        text = f"{before} {text}"
    following = lines[number + 1][1] if number + 1 < len(lines) else ""
    if text.lower().endswith(("in message", "in article")):
        text = f"{text} {following}"
    return text


def _next_depth(lines: list[tuple[int, str]], number: int) -> int:
    """Depth of the next non-blank line, -1 at the end of the body."""
    for depth, text in lines[number + 1:]:
        if text:
            return depth
    return -1


@dataclass(slots=True)
class QuoteMatches:
    """One reply's quotes matched against earlier posts' text a level up.

    `score` sums, per candidate, each matched shingle shared among the posts
    holding it; `hits` counts the reply's once-quoted shingles it holds;
    `total` is how many once-quoted shingles the reply has.
    """

    score: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    hits: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    total: int = 0

    def coverage(self, candidate: int) -> float:
        """0..1: how much of the reply's quoted text is the candidate's own.

        A parent that is really here accounts for most of what is quoted;
        a fifth or less means the words came from elsewhere.
        """
        share = self.hits.get(candidate, 0) / max(self.total, 1)
        return min(1.0, max(0.0, (share - 0.2) / 0.6))

    def weighted(self, candidate: int) -> float:
        """Matched shingles, each shared among the posts holding it, per quote."""
        # Rounded so that summing in another order can never reorder a tie.
        return round(min(1.2, self.score.get(candidate, 0.0) / max(self.total, 1)), 9)

    def margin(self, candidate: int) -> float:
        """1 when no other candidate matches as well, 0 on a tie."""
        best = self.score.get(candidate, 0.0)
        rival = max((s for c, s in self.score.items() if c != candidate), default=0)
        return 1.0 if best <= 0 else max(0.0, 1 - rival / best)
