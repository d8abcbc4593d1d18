"""A kept original is read again for its author and date as its import read them."""

from __future__ import annotations

import pytest

from importers.hypermail import parse_page
from importers.parsing import parse_message
from importers.stored import stored_date, stored_signer
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


@pytest.mark.parametrize("name", [
    "multipart-alternative.eml", "date-offset-plus-3000.eml", "epoch-date.eml",
    "date-missing-received-fallback.eml", "pipermail-from-line.eml",
    "crlf-line-endings.eml", "leading-blank-lines.eml",
])
def test_mail_gives_the_date_header_its_import_read(name):
    """Where the import used the Date header, the same date and offset; where it
    fell back, a date that differs from the stored one (or none at all)."""
    message = parse_message((DATA / name).read_bytes(), name, "file")
    found = stored_date(message.raw)
    if message.date_note and "used " in message.date_note:
        assert found is None or found.value != message.date
    else:
        assert (found.value, found.offset) == (message.date, message.date_offset)


def test_the_offset_is_read_from_a_kept_original():
    raw = b"From: a@example.org\nDate: Tue, 10 Oct 2000 14:03:00 -0400\n\nhello\n"
    found = stored_date(raw)
    assert (found.value.isoformat(), found.offset) == ("2000-10-10T18:03:00", -240)


@pytest.mark.parametrize("raw", [
    b"Mark London\n10/12/00\nMagnesium helps.\n",
    b"<html><body><p>An article</p></body></html>",
    b"From: a@example.org\n\nno date\n",
    (DATA / "hypermail-name-is-an-address.html").read_bytes(),
])
def test_originals_without_a_mail_date_give_none(raw):
    assert stored_date(raw) is None
