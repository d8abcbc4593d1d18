"""Address masking, Google Groups style: `thai@sympatico.ca` -> `tha...@sympatico.ca`.

Every e-mail address in a body, header, Message-ID or log line is masked
before any HTML is made (forum.text.markup), so no renderer can leak one.
Plain `user@host` forms (and `%40`, `&#64;`, `user@host@domain` chains) are
masked, and so are the spelled-out `user at host dot com` forms; prose such
as "the FAQ is at rtfm.mit.edu" or "meet at home dot the" is left alone.

Masking runs over every post shown, so each expression is tried only where
a cheap search (in C) found something it could match.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator

_LOCAL_CHAR = r"[\w.%+!#$&'*^`{|}~-]"
# A host label has at most 63 characters (RFC 1035); the bound also keeps the
# expressions linear on a run such as "a-at-a-at-..." (quadratic without it).
# Letters of any script: `sasha@пример.рф` and `jörg at bücher dot de` are addresses.
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
# A top-level domain in one letter case ("com", "COM", "рф"), or one of these in
# title case ("Example.Org"): "noon.Then" or "home.It" in run-on prose is not.
_TITLE_TLDS = ("Com", "Org", "Net", "Edu", "Gov", "Mil", "Int", "Info", "Biz",
               "Uk", "De", "Fr", "Nl", "Ca", "Au", "Jp", "Ch", "Se", "Dk", "Fi",
               "Ru", "Es", "Pl", "Cz", "Nz", "Za", "Br", "Ie", "Il")
_TLD = (rf"(?:[a-z]{{2,}}|[A-Z]{{2,}}|[^\W\d_a-zA-Z]{{2,}}|{'|'.join(_TITLE_TLDS)})"
        r"(?![^\W_]|-)")
# Top-level domains that make a bare `x at y dot tld` an address: "meet at home
# dot the" is prose.  Any two letters (a country) or one of these.
_SPELLED_TLDS = frozenset("""
    com org net edu gov mil int info biz name pro aero coop museum mobi arpa
""".split())
_BRACKETED = r"\s*[(\[{<]\s*WORD\s*[)\]}>]\s*"
_AT_WORD = rf"(?:{_BRACKETED.replace('WORD', '(?i:at)')}|\s+(?i:at)\s+|_at_|-at-)"
_DOT_WORD = rf"(?:{_BRACKETED.replace('WORD', '(?i:dot)')}|\s+(?i:dot)\s+)"
# An IP literal stands for a host name (RFC 5321 address-literal):
# `root@[192.168.1.2]`, `ops@[IPv6:2001:db8::1]`.
_IP_LITERAL = r"\[(?:\d{1,3}(?:\.\d{1,3}){3}|(?i:ipv6):[0-9A-Fa-f:.]{2,45})\]"
# `&#64;` typed into a plain-text post shows as that text, which reads as "@".
_AT = r"(?:@|%40|&#0*64;|&#[xX]0*40;|&commat;)"
# Everything before the last `@` of a chain is the local part: in
# `jdmooney@kocrsv01@delco.com` (user@host@domain, common in old signatures)
# masking only the first part would leave `kocrsv01@delco.com` whole.
# Matches start only where a chain starts: trying every position inside a long
# run, or after every `@` of a chain, would make masking quadratic.
_ADDRESS_RE = re.compile(
    rf"(?<!{_LOCAL_CHAR})(?<!{_LOCAL_CHAR}@)"
    rf"(?P<local>{_LOCAL_CHAR}+(?:@{_LOCAL_CHAR}+)*)"
    rf"(?P<at>{_AT})(?P<domain>{_IP_LITERAL}|{_LABEL}(?:\.{_LABEL})*)"
)
# `user at host.com`, `user (at) host (dot) com`, `user_at_host.com`.
_OBFUSCATED_RE = re.compile(
    rf"(?<![\w.@%+-])(?P<local>[\w.%+-]+)(?P<at>{_AT_WORD})"
    rf"(?P<domain>{_LABEL}(?:(?:\.|{_DOT_WORD}){_LABEL})*(?:\.|{_DOT_WORD}){_TLD})"
)
_DOT_WORD_RE = re.compile(_DOT_WORD)
# The references _AT takes; `&#39;` and the like are no "@".
_AT_REFERENCE_RE = re.compile(r"&#0*64;|&#[xX]0*40;")
# A walk back over a local part is one match on the reversed text (_Walked):
# before an "@" form, address characters and an "@" between two of them
# (user@host@domain) ...
_CHAIN_BACK_RE = re.compile(rf"(?:{_LOCAL_CHAR}|@(?={_LOCAL_CHAR}))*")
# ... before an "at" word, the characters of a `user at host dot com` local part.
_LOCAL_BACK_RE = re.compile(r"[\w.%+-]*")
_BRACKETED_DOT_RE = re.compile(_BRACKETED.replace("WORD", "(?i:dot)"))
# A domain made of numbers alone is a version (`python@3.11`), unless it is an
# IPv4 address (`root@10.0.0.1`).
_VERSION_RE = re.compile(r"\d+(?:\.\d+){0,2}|\d+(?:\.\d+){4,}")
# What any `user at host dot com` form holds, read in the lower-cased text: an
# "at" after a space, a bracket, "_" or "-" and ended by one, then a host label
# and a dot (or "dot").  Starting with a plain "a", the search skips through a
# post ~4x faster than with [aA], and the look-behind drops "that " at once;
# so most posts never run _OBFUSCATED_RE, which tries every word (~8x slower).
_MAY_BE_OBFUSCATED = re.compile(
    r"at(?<=[\s(\[{<_-]at)(?:\s+|\s*[)\]}>]\s*|_|-)[^\W_][\w-]{0,62}"
    r"(?:\.|\s*[(\[{<]?\s*dot\b)")
# "the FAQ is at rtfm.mit.edu" is prose, not an address: a bare " at " with
# plain dots is masked unless the word before it or the host says otherwise.
_PROSE_BEFORE_AT = frozenset("""
    a an and anonymous archive archived are available be been copy copies does
    faq file files find found get here is it just kept located look looking me
    mirror mirrored now online one posted site sites stored that them there
    this up us was were which
""".split())
_PROSE_HOST_PREFIXES = ("www.", "ftp.", "news.", "http", "gopher.")


def mask_local(local: str) -> str:
    """The shown part of a local part: up to 3 characters, never all of it."""
    if local.endswith("..."):
        return local  # already masked: masking twice must change nothing
    keep = max(1, min(3, len(local) - 1))
    return local[:keep] + "..."


def mask_email(addr: str | None) -> str | None:
    """Mask one address: `thai@sympatico.ca` -> `tha...@sympatico.ca`."""
    if not addr:
        return addr
    local, at, domain = addr.rpartition("@")
    if not at:
        return mask_addresses(addr)
    return f"{mask_local(local)}@{domain}"


def mask_addresses(text: str | None) -> str:
    """Mask every address in `text`, including `user at host dot com` forms."""
    if not text:
        return ""
    if "@" in text or "%40" in text or "&#" in text or "&commat;" in text:
        text = _mask_all_addresses(text)
    return _mask_all_obfuscated(text)


def _mask_all_addresses(text: str) -> str:
    """`_ADDRESS_RE.sub(_mask_match, text)`, tried only where it can match:
    at the start of the chain of address characters before each @ (or %40).

    Each start is tried once and each character walked back over once, so a
    pathological run (`a@-a@-...`) stays linear, as the expression alone was.
    """
    walked = _Walked(text, _CHAIN_BACK_RE)
    return _sub_at(text, _at_signs(text), walked.back, _ADDRESS_RE, _mask_match)


def _at_signs(text: str) -> list[int]:
    """Where each @, %40 and `&#64;`-like reference begins, in order.

    Found with `str.find`, many times faster than an expression scanning
    every character; a reference that is no "@" (`&#39;`) is left out.
    """
    found = []
    for sign in ("@", "%40", "&#", "&commat;"):
        at = text.find(sign)
        while at >= 0:
            if sign != "&#" or _AT_REFERENCE_RE.match(text, at):
                found.append(at)
            at = text.find(sign, at + 1)
    return sorted(found)


class _Walked:
    """Walks back from positions that only move forward, never twice over a run.

    A walk is one match of `step` on the reversed text, in C: a Python loop
    per character was about a third of masking's time in posts full of
    addresses.
    """

    def __init__(self, text: str, step: re.Pattern) -> None:
        self.text, self.step = text, step
        self.origin, self.start = -1, -1

    @functools.cached_property
    def reversed(self) -> str:
        return self.text[::-1]  # most texts are never walked

    def back(self, at: int) -> int:
        """Where the run of characters `step` takes, ending at `at`, begins."""
        size, origin = len(self.reversed), at
        # The walk stops one character past the last origin: the "@" step looks
        # at it, and reaching the origin joins the run walked from there.
        run = self.step.match(self.reversed, size - at, size - self.origin + 1)
        assert run is not None, "a step pattern may match nothing, never fails"
        at = size - run.end()
        if at <= self.origin:
            at = self.start
        self.origin, self.start = origin, at
        return at


def _mask_all_obfuscated(text: str) -> str:
    """`_OBFUSCATED_RE.sub(_mask_obfuscated, text)`, tried only where it can match.

    The expression tries every word of a post (most of masking's cost).  A
    match's local part is the run of address characters just before an "at"
    form, so it is tried only at the start of the run before each "at" that
    _MAY_BE_OBFUSCATED finds, left to right, as `sub` would; each start once.
    """
    walked, lowered = _Walked(text, _LOCAL_BACK_RE), _lowered(text)
    return _sub_at(text, _hints(lowered), lambda at: _run_start(text, at, walked),
                   _OBFUSCATED_RE, _mask_obfuscated)


def _sub_at(text: str, anchors: Iterable[int], start_of: Callable[[int], int],
            pattern: re.Pattern[str], mask: Callable[[re.Match[str]], str]) -> str:
    """`pattern.sub(mask, text)`, when every match starts at `start_of(anchor)`
    for one of `anchors` (ascending; a start is never past its anchor).

    Each start is tried once; an anchor inside a match already made is
    skipped: any start it gives lies before that match's end too.
    """
    parts, last, tried = [], 0, -1
    for anchor in anchors:
        if anchor < last:
            continue
        start = start_of(anchor)
        if start < last or start == tried:
            continue
        tried = start
        found = pattern.match(text, start)
        if found is None:
            continue
        parts += [text[last:start], mask(found)]
        last = found.end()
    return "".join(parts) + text[last:] if parts else text


def _hints(lowered: str) -> Iterator[int]:
    """Where each `_MAY_BE_OBFUSCATED` match begins, overlapping ones too."""
    position = 0
    while hint := _MAY_BE_OBFUSCATED.search(lowered, position):
        yield hint.start()
        position = hint.start() + 1


def _lowered(text: str) -> str:
    """`text` in lower case, each character where it was ("İ" would take two).

    Lower-casing a character never changes whether it is a word character or
    a space (tests/test_markup.py checks every code point), so the hints found
    in the lowered text are those in the text, at the same positions.
    """
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(char if len(char.lower()) > 1 else char.lower() for char in text)


_BRACKETS_BEFORE_AT = frozenset("([{<")  # "_" may begin the local part itself


def _run_start(text: str, at: int, walked: _Walked) -> int:
    """Where the address characters before the "at" form at `at` begin."""
    while at > 0 and (text[at - 1].isspace() or text[at - 1] in _BRACKETS_BEFORE_AT):
        at -= 1
    return walked.back(at)


def _mask_match(match: re.Match) -> str:
    if "@" not in match["local"] and _VERSION_RE.fullmatch(match["domain"]):
        return match[0]  # but `a@b.org@8` is a chain: its local part is masked
    return mask_local(match["local"]) + match["at"] + match["domain"]


def _mask_obfuscated(match: re.Match) -> str:
    if match["at"].strip().lower() == "at":
        if not _DOT_WORD_RE.search(match[0]):
            prose_word = match["local"].lower() in _PROSE_BEFORE_AT
            if prose_word or match["domain"].lower().startswith(_PROSE_HOST_PREFIXES):
                return match[0]
        elif not _BRACKETED_DOT_RE.search(match[0]) and not _spelled_tld(match):
            return match[0]  # "meet at home dot the": prose
    return _mask_match(match)


def _spelled_tld(match: re.Match) -> bool:
    """Whether the last label of a `x at y dot z` match is a likely domain."""
    tld = _DOT_WORD_RE.split(match["domain"])[-1].rsplit(".", 1)[-1].lower()
    return len(tld) == 2 or tld in _SPELLED_TLDS or not tld.isascii()
