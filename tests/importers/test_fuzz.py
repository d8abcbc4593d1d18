"""Every importer on mutated real files: it never raises, and imports balance.

Seeds are the broken examples in tests/data and small slices of the real
archives in ../shared/corpora; tests/importers/fuzz_inputs.py mutates them
(flipped bytes, cuts, duplicated or emptied headers, lying charsets, 200 nested
multiparts, 1 MB lines, NULs, CR/CRLF mixes, bad base64 and quoted-printable,
unclosed HTML, malformed JSON).

Two levels:
- parser: `read_sources` (the reader the import uses, with its text scans)
  yields only IncomingMessage and ImportProblem, with text a database stores;
- runner: ImportRunner on SQLite and PostgreSQL balances its report, and
  importing the same file again adds nothing.

The budget comes from the Hypothesis profiles in tests/importers/conftest.py:
"ci" (deterministic, small) unless FORUM_FUZZ=long or HYPOTHESIS_PROFILE=fuzz.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post
from importers.base import ImportProblem, IncomingMessage
from importers.detect import UnknownFormat
from importers.pipeline import read_sources
from tests.helpers import corpus
from tests.importers.fuzz_inputs import Case, cases, lay_out, mutated

CASES = cases()
CASE_IDS = [case.name for case in CASES]


def _profile_name() -> str:
    if os.environ.get("FORUM_FUZZ", "").lower() == "long":
        return "fuzz"
    return os.environ.get("HYPOTHESIS_PROFILE", "ci") or "ci"


PROFILE = settings.get_profile(_profile_name())
if os.environ.get("FORUM_FUZZ_EXAMPLES"):  # the long run, shorter or longer
    PROFILE = settings(PROFILE, max_examples=int(os.environ["FORUM_FUZZ_EXAMPLES"]))
LONG = PROFILE.max_examples > 100
# Examples per test: the parser level runs the profile's budget, the runner level
# (two imports on a real database) a tenth of it in the long run.
PARSER_EXAMPLES = PROFILE.max_examples
RUNNER_EXAMPLES = PROFILE.max_examples // 10 if LONG else 4
SECONDS_PER_EXAMPLE = 60  # a slower example is a hang (say, a quadratic regex)


def fuzz_settings(max_examples: int) -> settings:
    return settings(PROFILE, max_examples=max_examples)


@contextmanager
def time_limit(seconds: int):
    """Fail an example that runs longer than `seconds` instead of hanging CI."""
    def expire(signum, frame):
        raise TimeoutError(f"example ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def scratch(tmp_path: Path):
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- what a parser may hand the runner -------------------------------------------------

_STORED_TEXT = ("source", "position", "subject", "author_name", "body_text")
_OPTIONAL_TEXT = ("message_id", "author_email", "date_note", "in_reply_to",
                  "body_html", "source_url", "parent_evidence")


def storable(value: str, what: str) -> None:
    """Text every database takes: no NUL, no lone surrogate."""
    assert isinstance(value, str), f"{what} is {type(value).__name__}, not str"
    assert "\x00" not in value, f"NUL in {what}: {value[:80]!r}"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise AssertionError(f"lone surrogate in {what}: {value[:80]!r}") from exc


def check_item(item) -> None:
    if isinstance(item, ImportProblem):
        for name in ("source", "position", "reason", "excerpt"):
            storable(getattr(item, name), f"problem {name}")
        assert item.reason and item.position
        assert item.kind in ("quarantined", "skipped")
        return
    assert isinstance(item, IncomingMessage), f"a parser yielded {item!r}"
    for name in _STORED_TEXT:
        storable(getattr(item, name), name)
    assert item.position
    for name in _OPTIONAL_TEXT:
        value = getattr(item, name)
        if value is not None:
            storable(value, name)
    if item.message_id is not None:
        assert item.message_id.strip() == item.message_id != ""
    for ref in [*item.references, *item.groups, *item.repairs]:
        storable(ref, "a reference, group or repair")
    assert item.date is None or (isinstance(item.date, datetime)
                                 and item.date.tzinfo is None)
    assert item.raw is None or isinstance(item.raw, bytes)
    assert item.date_precision in ("exact", "day")


def read_all(path: Path, fmt: str) -> list:
    """Every item read_sources gives for one path (UnknownFormat only for auto)."""
    items = []
    for _source, messages in read_sources([str(path)], fmt, None):
        items.extend(messages)
    return items


# -- level 1: parsers -----------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@fuzz_settings(PARSER_EXAMPLES)
@given(data=st.data(), detect=st.booleans())
def test_parser_never_raises(case: Case, data, detect, tmp_path):
    name, raw = data.draw(mutated(case), label="seed and mutations")
    with scratch(tmp_path) as folder:
        path = lay_out(case, name, raw, folder, data.draw)
        with time_limit(SECONDS_PER_EXAMPLE):
            try:
                items = read_all(path, "auto" if detect else case.fmt)
            except UnknownFormat:
                assert detect, "an explicit format must never be refused"
                return
    for item in items:
        check_item(item)


def test_every_reader_is_fuzzed():
    from importers.detect import READERS

    fuzzed = {case.fmt for case in CASES}
    # Aliases of fuzzed readers: mboxrd is mbox, google-groups sniffs the three forms.
    assert set(READERS) - fuzzed <= {"mboxrd", "google-groups"}
    for case in CASES:
        assert case.seeds(), f"{case.name} has no seeds"


def test_corpus_slices_are_seeds():
    """With ../shared/corpora present, the seeds include its real archives."""
    from tests.importers.fuzz_inputs import mbox_seeds, pipermail_seeds

    corpus("notmuch-mail", "notmuch-broken.mbox")
    assert "notmuch-broken.mbox" in {name for name, _ in mbox_seeds()}
    assert "2001-November.txt" in {name for name, _ in pipermail_seeds()}


# -- level 2: the import runner -------------------------------------------------------


def _posts() -> int:
    return db.session.scalar(select(func.count()).select_from(Post))


def _import(path: Path, fmt: str):
    from importers.runner import ImportOptions, ImportRunner

    return ImportRunner(db.session, ImportOptions(fmt=fmt)).run([str(path)])


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@fuzz_settings(RUNNER_EXAMPLES)
@given(data=st.data())
def test_import_balances_and_repeats_add_nothing(case: Case, data, module_app,
                                                 tmp_path):
    """One app (per database) for the module: its tables fill up as examples run,
    which these properties allow, and a fresh app per test would cost more than
    the imports do."""
    name, raw = data.draw(mutated(case, max_mutations=2), label="seed and mutations")
    with scratch(tmp_path) as folder, module_app.app_context():
        path = lay_out(case, name, raw, folder, data.draw)
        with time_limit(2 * SECONDS_PER_EXAMPLE):
            first = _import(path, case.fmt)
            posts = _posts()
            again = _import(path, case.fmt)
        for report in (first, again):
            assert report.balanced(), report.to_dict()
            assert report.failed_sources == 0, report.problems
        assert again.imported == 0, again.to_dict()
        assert again.read == first.read
        assert _posts() == posts
        db.session.remove()


# -- what fuzzing found: one small input per bug fixed --------------------------------

_MSG = b"From: A <a@example.org>\nSubject: s\nMessage-ID: <%s@fuzz.example>\n"
FOUND = [
    # A NUL in a quarantined message's excerpt: PostgreSQL refused the problem
    # row and the whole import stopped (importers/base.py excerpt_of).
    ("mbox", "nul-in-excerpt.mbox",
     b"From MAILER-DAEMON Sat Aug 28 14:17:14 2021\nFrom: x\x00y\nSubject: a\n\nb\n"),
    # A NUL in a body: stored by SQLite, refused by PostgreSQL (pipeline.py).
    ("message", "nul-in-body.eml", _MSG % b"nul" + b"\nbo\x00dy\n"),
    # Year 9999 west of UTC overflowed: quarantined, not dated (dates.py).
    ("message", "date-overflow.eml",
     _MSG % b"late" + b"Date: Fri, 31 Dec 9999 23:59:59 -0100\n\nbody\n"),
    # charset=undefined raised a bare UnicodeError past every fallback (mime.py).
    ("message", "charset-undefined.eml",
     _MSG % b"undef" + b"Content-Type: text/plain; charset=undefined\n\n\xe9t\xe9\n"),
    ("article", "charset-undefined.html",
     b'<!DOCTYPE html><html><head><meta charset="undefined"><title>T</title>'
     b'<meta property="og:title" content="T"></head><body><article><h1>T</h1>'
     + b"<p>Words \xe9 about magnesium and sleep, long enough to be prose.</p>" * 8
     + b"</article></body></html>"),
    # Declared codecs that decode "\ud800" to a lone surrogate (mime.py).
    ("message", "charset-raw-unicode-escape.eml",
     _MSG % b"esc" + b"Content-Type: text/plain; charset=raw-unicode-escape\n\n"
     b"\xe9 \\ud800\n"),
    # Forum JSON: a lone surrogate, a board that is no URL, a date before year 1
    # in UTC, and nesting too deep for json (forum_json.py).
    ("forum-json", "surrogate.json",
     b'{"https://f.example/b": [{"title": "t", "post": "a\\ud800", "replies": []}]}'),
    ("forum-json", "board-not-a-url.json",
     b'{"http://[": [{"title": "t", "post": "p", "date posted": '
     b'"0001-01-01T00:00:00+14:00", "replies": []}]}'),
    ("forum-json", "too-deep.json", b"[" * 200_000),
    # Quadratic scans of broken markup: each took minutes to hours at 1 MB.
    ("message", "unclosed-tags.eml", _MSG % b"html"
     + b"Content-Type: text/html\n\n" + b"<" * 300_000),
    ("message", "unclosed-comments.eml", _MSG % b"comments"
     + b"Content-Type: text/html\n\n" + b"<!--" * 100_000),
    ("hypermail", "unclosed-anchors.html",
     b'<!-- received="x" -->\n<!-- id="a@b" -->\n<!-- body="start" -->\n'
     + b"<a " * 100_000 + b'\n<!-- body="end" -->\n'),
    ("google-groups-markdown", "unclosed-emphasis.md",
     b"# T\n\n### Ann\n\nunread,\n\nOct 10, 2000, 3:00:00 AM\n\n"
     + b"**a " * 25_000 + b"\n" + b"[a](" * 25_000 + b"\n" + b"<http:" * 20_000
     + b"\n"),
    ("forum-json", "unclosed-quotes.json",
     b'{"https://f.example/b": [{"title": "t", "replies": [], "post": "'
     + b"[quote:1]" * 20_000 + b'"}]}'),
]


@pytest.mark.parametrize(("fmt", "name", "raw"), FOUND,
                         ids=[name for _, name, _ in FOUND])
def test_found_by_fuzzing(fmt, name, raw, tmp_path):
    path = tmp_path / name
    path.write_bytes(raw)
    with time_limit(10):
        items = read_all(path, fmt)
    for item in items:
        check_item(item)
    if name.endswith(".eml"):  # archived, not quarantined
        assert [type(item) for item in items] == [IncomingMessage]


# The bugs that only a database shows.
STORED = [case for case in FOUND if case[1].startswith("nul-")]


@pytest.mark.parametrize(("fmt", "name", "raw"), STORED,
                         ids=[name for _, name, _ in STORED])
def test_found_by_fuzzing_imports(fmt, name, raw, module_app, tmp_path):
    path = tmp_path / name
    path.write_bytes(raw)
    with module_app.app_context():
        first = _import(path, fmt)
        again = _import(path, fmt)
        assert first.balanced() and again.balanced(), first.to_dict()
        assert first.failed_sources == again.failed_sources == 0, first.problems
        assert not [p for p in first.problems if "could not be stored" in p["reason"]]
        assert again.imported == 0
        db.session.remove()
