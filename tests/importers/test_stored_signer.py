"""A kept original is read again for its author exactly as its import read it."""

from __future__ import annotations

import pytest

from importers.hypermail import parse_page
from importers.parsing import parse_message
from importers.stored import stored_signer
from tests.helpers import REPO

DATA = REPO / "tests" / "data"


@pytest.mark.parametrize("name", [
    "eight-bit-header.eml", "eight-bit-header-utf8.eml", "rfc2047-adjacent-words.eml",
    "pipermail-from-line.eml", "from-address-then-comment.eml",
    "from-bare-name-address.eml", "from-user-at-host.eml", "crlf-line-endings.eml",
    "leading-blank-lines.eml",
])
def test_mail_gives_the_name_and_address_its_import_stored(name):
    data = (DATA / name).read_bytes()
    message = parse_message(data, name, "file")
    assert stored_signer(message.raw) == (message.author_name, message.author_email)


@pytest.mark.parametrize("name", ["hypermail-name-is-an-address.html",
                                  "hypermail-charset-latin-1-bytes.html"])
def test_hypermail_pages_give_their_author(name):
    data = (DATA / name).read_bytes()
    page = parse_page(data, name, "file")
    assert stored_signer(data) == (page.author_name, page.author_email)


@pytest.mark.parametrize("raw", [
    b"Mark London\n10/12/00\nMagnesium helps.\n",  # a Google Groups copy
    b'{"id": 1, "user": "ann", "body": "hello"}',  # a forum export
    b"<html><body><p>An article</p></body></html>",
    b"Subject: no sender\n\nbody\n",
    b"",
])
def test_other_originals_give_nothing(raw):
    assert stored_signer(raw) is None
