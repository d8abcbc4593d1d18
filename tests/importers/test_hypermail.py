"""Hypermail pages: metadata comments, lying charsets, bodies, whole archives."""

from __future__ import annotations

import html
import re
import shutil
import tarfile
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from forum.extensions import db
from forum.models import Author, Post
from forum.text.markup import render_post_body
from importers.base import ImportProblem, IncomingMessage
from importers.detect import detect_format
from importers.hypermail import INDEX_PAGE, iter_hypermail
from importers.hypermail_body import body_text
from tests.helpers import corpus

DATA = Path(__file__).resolve().parents[1] / "data"
CF_TAR = ("hypermail", "cf-metadata", "cf-metadata-pages-7500-7999_9000-9499.tar.xz")
# As in tests/web/test_address_leaks.py: a masked `tha...@host` is fine.
ADDRESS_RE = re.compile(
    r"(?P<local>[A-Za-z0-9._%+-]+)@[A-Za-z0-9][A-Za-z0-9-]*"
    r"(?:\.[A-Za-z0-9][A-Za-z0-9-]*)+"
)


def page(name: str) -> IncomingMessage | ImportProblem:
    [item] = iter_hypermail(DATA / name)
    return item


def full_addresses(text: str) -> set[str]:
    seen = html.unescape(text)
    return {m[0] for candidate in (seen, unquote(seen))
            for m in ADDRESS_RE.finditer(candidate)
            if not m["local"].endswith("...")}


@pytest.mark.parametrize(
    ("name", "field", "expected"),
    [
        # Declared utf-8859-1 / UTF-8ws-1252, both really UTF-8.
        ("hypermail-charset-utf-8859-1.html", "author_name", "Ute Brönner"),
        ("hypermail-charset-utf-8859-1.html", "subject",
         "[CF-metadata] standard names under ice velocity of water"),
        ("hypermail-charset-utf-8ws-1252.html", "author_name", "Armin Rauthe-Schöch"),
        # Not UTF-8: read as Windows-1252.
        ("hypermail-charset-latin-1-bytes.html", "author_name", "Côté, Hélène"),
        ("hypermail-email-entity-obfuscated.html", "author_email",
         "npdoty@ischool.berkeley.edu"),
        ("hypermail-email-entity-obfuscated.html", "author_name", "Nick Doty"),
        ("hypermail-email-entity-obfuscated.html", "in_reply_to",
         "CABQTWrn2fqvee6qg2VTcDA5rR8QihQy7qjycDGBM2xafwGyRmQ@mail.gmail.com"),
        ("hypermail-email-entity-obfuscated.html", "date",
         datetime(2020, 1, 30, 23, 47, 14)),
        ("hypermail-email-local-part-only.html", "author_email", "j.m.gregory"),
        ("hypermail-email-local-part-only.html", "author_name", "Jonathan Gregory"),
        ("hypermail-email-local-part-only.html", "message_id",
         "20180129151033.GA24690@met.reading.ac.uk"),
        ("hypermail-name-is-an-address.html", "author_email",
         "martin.juckes@stfc.ac.uk"),
        ("hypermail-name-is-an-address.html", "author_name", ""),
        # Ids say `_at_`, this reply's inreplyto says `&#64;`: both become `@`.
        ("hypermail-inreplyto-entity-at.html", "in_reply_to",
         "DC6567808739F54EAE9CCE07BD3AABB5022DBBA7@ap-embx-sp30.RES.AD.JPL"),
        ("hypermail-message-id-en-dash.html", "message_id",
         "CALGmxELdCjJk91LUk+xs_ZAq+Bv2k35jZ+y0b0i--+1KscfmFw@mail.gmail.com"),
        ("hypermail-truncated-page.html", "date", datetime(2017, 7, 27, 17, 55, 49)),
        # The `sent` header's offset is kept: the page shows the date as written.
        ("hypermail-email-entity-obfuscated.html", "date_offset", -300),
        ("hypermail-truncated-page.html", "date_offset", 60),
    ],
)
def test_page_fields(name, field, expected):
    assert getattr(page(name), field) == expected


@pytest.mark.parametrize(
    ("name", "repair"),
    [
        ("hypermail-charset-utf-8859-1.html", "charset utf-8859-1 replaced by utf-8"),
        ("hypermail-charset-utf-8859-1.html",
         "hypermail's '(unknown charset)' prefix removed"),
        ("hypermail-charset-utf-8ws-1252.html",
         "charset UTF-8ws-1252 replaced by utf-8"),
        ("hypermail-name-is-an-address.html", "address 'user at host' restored"),
        ("hypermail-email-local-part-only.html",
         "hypermail's '_at_' in a message id restored to '@'"),
        ("hypermail-message-id-en-dash.html",
         "hypermail's en dash in a message id restored to '-'"),
        ("hypermail-truncated-page.html",
         "page ends before the end of the message body"),
    ],
)
def test_page_repairs(name, repair):
    assert repair in page(name).repairs


def test_a_true_declared_charset_is_no_repair():
    # iso-8859-1 bytes read as cp1252 give the same text: nothing was repaired.
    assert not any("charset" in r for r in page("hypermail-charset-latin-1-bytes.html")
                   .repairs)


@pytest.mark.parametrize(
    ("name", "start", "inside"),
    [
        ("hypermail-email-entity-obfuscated.html",
         "It looks like we separately came to the same conclusion",
         "\n> Here's our proposal for what to do in Chromium: "),
        ("hypermail-quotelev-lines.html", "That seems fine to me. Jonathan\n",
         "\n> I would like propose 2 new standard names,\n>\n"
         "> -        sea_surface_swell_wave_from_direction\n"),
        ("hypermail-charset-latin-1-bytes.html", "Hello All,\n",
         "\n>>> regards,\n>>> Martin\n"),
        ("hypermail-tel-link-in-href.html", "Thank you, Jeff.",
         "> Tel: +44 118 378 5613 <+44%20118%20378%205613>"
         "http://www.met.reading.ac.uk/\n"),
        ("hypermail-truncated-page.html", "Dear Balaji and Karl\n",
         "It is a privilege to work with you\n"),
    ],
)
def test_page_bodies(name, start, inside):
    text = page(name).body_text
    assert text.startswith(start)
    assert inside in text


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("hypermail-*.html")
                                        if p.stat().st_size))
def test_bodies_hold_no_header_block_or_navigation(name):
    item = page(name)
    if isinstance(item, ImportProblem):
        return
    # Hypermail's own links carry `?Subject=Re%3A...`; messages' `<mailto:>` stay.
    for noise in ("Received on", "Next message", "Previous message", "?Subject=",
                  "More options", "Message body", "\xa0", "\r", "<br", "&gt;"):
        assert noise not in item.body_text
    assert not item.body_text.startswith(("From:", "Date:"))


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<em class="quotelev2">&gt;&gt; kept as quoted</em><br />',
         ">> kept as quoted\n"),
        ('<span class="quotelev1">    &gt; indented</span><br />', "> indented\n"),
        ('<span class="quotelev2">no marker</span><br />', ">> no marker\n"),
        ("<pre>\n-- \nsignature\n</pre>", "-- \nsignature\n"),
    ],
)
def test_quote_levels_become_quote_marks(markup, expected):
    assert body_text(markup) == expected


@pytest.mark.parametrize(
    ("name", "kind", "reason"),
    [
        ("hypermail-index-page.html", "skipped", INDEX_PAGE),
        ("hypermail-empty-page.html", "quarantined", "empty file"),
    ],
)
def test_pages_that_are_not_messages(name, kind, reason):
    problem = page(name)
    assert isinstance(problem, ImportProblem)
    assert (problem.kind, problem.reason) == (kind, reason)


def test_detects_pages_folders_and_tars(tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    for path in DATA.glob("hypermail-*.html"):
        shutil.copy(path, folder / path.name)
    (folder / "red-arrow-left.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    packed = tmp_path / "pages.tar.xz"
    with tarfile.open(packed, "w:xz") as tar:
        tar.add(folder, arcname="Data")
    assert detect_format(DATA / "hypermail-index-page.html") == "hypermail"
    assert detect_format(DATA / "hypermail-quotelev-lines.html") == "hypermail"
    assert detect_format(folder) == detect_format(packed) == "hypermail"
    pages = len(list(DATA.glob("hypermail-*.html")))
    assert len(list(iter_hypermail(folder))) == pages
    assert len(list(iter_hypermail(packed))) == pages


def test_import_of_broken_pages_balances(import_sources, tmp_path):
    for path in DATA.glob("hypermail-*.html"):
        shutil.copy(path, tmp_path / path.name)
    report = import_sources(tmp_path)
    pages = len(list(DATA.glob("hypermail-*.html")))
    assert (report.read, report.skipped, report.quarantined) == (pages, 1, 1)
    assert report.imported == pages - 2
    assert import_sources(tmp_path).imported == 0


def real_parents() -> int:
    parent = aliased(Post)
    return db.session.scalar(
        select(func.count()).select_from(Post)
        .join(parent, parent.id == Post.parent_id)
        .where(Post.is_ghost.is_(False), parent.is_ghost.is_(False))
    )


@pytest.mark.corpus
def test_w3c_and_cf_metadata_archives(import_sources):
    w3c = corpus("hypermail", "w3c-public-privacy")
    tar = corpus(*CF_TAR)
    report = import_sources(w3c, tar)
    # 1,004 pages: the month index is skipped, and w3crawl-nonascii.html is
    # w3crawl-test-message.html with one changed header line: same Message-ID,
    # same body, so it is a duplicate, not a second post.
    assert (report.read, report.skipped, report.quarantined) == (1004, 1, 0)
    assert (report.imported, report.duplicates) == (1002, 1)
    # SOURCES.md counts 646 of the 713 CF replies resolving by exact string;
    # one more spells its parent's `_at_` as `&#64;`, and both read as `@`.
    assert real_parents() == 647
    again = import_sources(w3c, tar)
    assert (again.imported, again.duplicates, again.skipped) == (0, 1003, 1)
    assert real_parents() == 647


@pytest.mark.corpus
def test_no_full_address_is_shown_in_bodies(import_sources):
    import_sources(corpus("hypermail", "w3c-public-privacy"), corpus(*CF_TAR))
    posts = db.session.scalars(select(Post).where(Post.is_ghost.is_(False))).all()
    assert len(posts) == 1002
    leaks = {
        post.message_id: found
        for post in posts
        if (found := full_addresses(str(render_post_body(post.body_text))))
    }
    assert leaks == {}
    names = db.session.scalars(select(Author.name)).all()
    assert not [name for name in names if full_addresses(name)]
