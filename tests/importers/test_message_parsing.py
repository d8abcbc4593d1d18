"""One message's bytes in, one IncomingMessage or ImportProblem out.

Every file in tests/data is one defect met in real archives; the tables below say
what the parser must make of it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from importers.base import ImportProblem, IncomingMessage
from importers.headers import (
    decode_header_text,
    extract_ids,
    normalize_message_id,
    parse_author,
)
from importers.mbox import iter_mbox
from importers.mime import decode_bytes, decode_flowed, flowed_param, html_to_text
from importers.parsing import newsgroups_of, parse_message
from tests.helpers import corpus

DATA = Path(__file__).resolve().parents[1] / "data"
NOW = datetime(2030, 1, 1)


def parse(name: str) -> IncomingMessage | ImportProblem:
    return parse_message((DATA / name).read_bytes(), name, "file", now=NOW)


def parsed(name: str) -> IncomingMessage:
    message = parse(name)
    assert isinstance(message, IncomingMessage), message
    return message


@pytest.mark.parametrize(
    ("name", "field", "expected"),
    [
        ("charset-non-existing-codec.eml", "body_text",
         "Café au lait, naïve résumé.\n"),
        ("charset-lying-utf8-is-latin1.eml", "body_text", "Café crème.\n"),
        ("charset-undeclared-8bit.eml", "body_text", "Grüße aus Köln.\n"),
        ("content-type-setext-plain.eml", "body_text", "Grüße.\n"),
        ("date-offset-plus-3000.eml", "date", datetime(1993, 4, 19, 16, 15, 19)),
        ("date-unparseable.eml", "date", None),
        ("date-missing-received-fallback.eml", "date", datetime(1993, 4, 6, 9, 58)),
        ("date-in-the-future-nntp-fallback.eml", "date", datetime(1993, 4, 3, 8, 0)),
        ("epoch-date.eml", "date", None),
        ("epoch-date-received-fallback.eml", "date", datetime(2001, 8, 27, 9, 36, 57)),
        ("pipermail-from-line.eml", "date", datetime(2007, 4, 6, 22, 43, 55)),
        ("from-address-then-comment.eml", "date", datetime(1997, 4, 1, 8, 28, 56)),
        ("in-reply-to-prose.eml", "in_reply_to",
         "200704070053.46646.other.person@example.com"),
        ("in-reply-to-truncated.eml", "in_reply_to", None),
        ("in-reply-to-bare-id.eml", "in_reply_to",
         "2019112210395147521610@caict.example.cn"),
        ("in-reply-to-prose-only.eml", "in_reply_to", None),
        ("references-folded-with-junk.eml", "references",
         ["a1@example.org", "a2@example.org"]),
        ("no-message-id.eml", "message_id", None),
        ("empty-message-id.eml", "message_id", None),
        ("message-id-with-comment.eml", "message_id", "id.with.space@example.org"),
        ("from-address-then-comment.eml", "message_id", "9704010828.AA00328@"),
        ("from-bare-name-address.eml", "message_id", "DM5PR17@example.com"),
        ("eight-bit-header.eml", "subject", "Grüße"),
        ("eight-bit-header.eml", "author_name", "Jürgen Müller"),
        ("eight-bit-header-utf8.eml", "subject", "Grüße – 答复"),
        ("eight-bit-header-body-says-ascii.eml", "subject", "Grüße"),
        ("eight-bit-header-body-says-ascii.eml", "repairs", []),
        ("rfc2047-unknown-charset.eml", "subject", "café ok"),
        ("rfc2047-adjacent-words.eml", "subject", "答复: [PATCH] fix done"),
        ("rfc2047-adjacent-words.eml", "author_name", "Vít Ondruch"),
        ("rfc2047-broken-base64.eml", "subject", "=?utf-8?B?!!!?= tail"),
        ("bogus-content-type-params.eml", "body_text",
         "Hi Milan,\n\nearlier we agreed, Tomas Toftgård wrote \n"),
        ("bogus-content-type-params.eml", "message_id",
         "HE1PR07@eurprd07.prod.example.com"),
        ("bogus-content-type-params.eml", "author_name", "Tomas Toftgård"),
        ("base64-truncated.eml", "body_text", "Zinc and magnesium, taken togethe"),
        ("html-only.eml", "body_text",
         "Take magnesium & rest.\n\nSecond\xa0line\nthird\n"),
        ("multipart-alternative.eml", "body_text", "Plain café.\n"),
        ("multipart-alternative.eml", "body_html", None),
        ("multipart-html-only.eml", "body_text", "Only HTML\n"),
        ("multipart-html-only.eml", "body_html", "<div>Only <i>HTML</i></div>"),
        ("multipart-with-attachments.eml", "body_text",
         "See the attached study.\n\n--- a/file\n+++ b/file\n"),
        ("multipart-empty-part.eml", "body_text", "Real text.\n"),
        ("image-only.eml", "body_text", ""),
        ("headers-only.eml", "body_text", ""),
        ("crlf-line-endings.eml", "body_text", "Line one.\nLine two.\n"),
        ("leading-blank-lines.eml", "message_id", "leading@example.org"),
        ("uuencoded-body.eml", "body_text",
         "Here it is:\n\nbegin 644 hello.txt\n%2&5L;&\\*\n`\nend\n"),
        ("from-user-at-host.eml", "author_email", "jjl@pobox.example.com"),
        ("from-user-at-host.eml", "author_name", "John J. Lee"),
        ("from-bare-name-address.eml", "author_email",
         "thorsten.hertel@KEYSIGHT.example.COM"),
        ("from-bare-name-address.eml", "author_name", "Thorsten Hertel"),
        ("from-address-then-comment.eml", "author_name", "Martin Maechler"),
        ("from-missing.eml", "author_email", None),
        ("x-no-archive.eml", "no_archive", True),
        ("no-message-id.eml", "no_archive", False),
    ],
)
def test_broken_case_is_repaired(name, field, expected):
    assert getattr(parsed(name), field) == expected


@pytest.mark.parametrize(
    ("name", "repair"),
    [
        ("charset-non-existing-codec.eml",
         "charset non-existing-codec replaced by utf-8"),
        ("charset-lying-utf8-is-latin1.eml", "charset utf-8 replaced by cp1252"),
        ("charset-undeclared-8bit.eml", "undeclared 8-bit text read as cp1252"),
        ("content-type-setext-plain.eml",
         "content type setext/plain read as text/plain"),
        ("content-type-setext-plain.eml", "charset ascii_827 replaced by cp1252"),
        ("eight-bit-header.eml", "header: undeclared 8-bit text read as cp1252"),
        ("rfc2047-unknown-charset.eml",
         "header: charset x-no-such-charset replaced by utf-8"),
        ("rfc2047-broken-base64.eml", "undecodable encoded word"),
        ("in-reply-to-prose.eml", "message id taken from prose in In-Reply-To"),
        ("in-reply-to-truncated.eml", "In-Reply-To without a usable id ignored"),
        ("base64-truncated.eml", "truncated base64 body"),
        ("from-user-at-host.eml", "address 'user at host' restored"),
        ("image-only.eml", "image/gif body not shown"),
        ("leading-blank-lines.eml", "blank lines before the headers removed"),
    ],
)
def test_repairs_are_recorded(name, repair):
    assert any(repair in note for note in parsed(name).repairs)


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("date-offset-plus-3000.eml",
         "time zone offset +3000 out of range, assumed UTC"),
        ("date-unparseable.eml", "unreadable 'sometime last week'; no fallback date"),
        ("date-missing-received-fallback.eml", "Date: missing; used Received"),
        ("date-in-the-future-nntp-fallback.eml", "used NNTP-Posting-Date"),
        ("epoch-date.eml", "Date: epoch date"),
        ("epoch-date-received-fallback.eml", "used Received"),
        ("pipermail-from-line.eml", "used separator line"),
    ],
)
def test_date_repairs_are_noted(name, note):
    assert note in parsed(name).date_note


@pytest.mark.parametrize(
    ("name", "offset"),
    [
        ("multipart-alternative.eml", 0),  # +0000
        ("date-offset-plus-3000.eml", None),  # assumed UTC: no offset shown
        ("date-missing-received-fallback.eml", None),  # a relay's clock
        ("date-in-the-future-nntp-fallback.eml", None),  # the server's
        ("pipermail-from-line.eml", None),  # the separator line's
    ],
)
def test_only_a_usable_date_header_gives_an_offset(name, offset):
    assert parsed(name).date_offset == offset


def test_the_offset_of_the_date_header_is_kept():
    data = (DATA / "multipart-alternative.eml").read_bytes().replace(
        b"Date: Mon, 5 Apr 1993 10:00:00 +0000",
        b"Date: Mon, 5 Apr 1993 15:30:00 +0530")
    message = parse_message(data, "x.eml", "file", now=NOW)
    assert (message.date, message.date_offset) == (datetime(1993, 4, 5, 10), 330)


@pytest.mark.parametrize(
    "name",
    ["charset-undeclared-8bit.eml", "multipart-alternative.eml", "x-no-archive.eml",
     "eight-bit-header-utf8.eml"],
)
def test_clean_messages_have_no_notes(name):
    message = parsed(name)
    assert message.date_note is None
    assert message.date == datetime(1993, 4, 5, 10, 0)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.eml", "empty message"),
        ("whitespace-only.eml", "empty message"),
        ("binary-garbage.eml", "binary data"),
        ("no-headers.eml", "no headers"),
        ("no-identity-headers.eml", "no message headers"),
        ("truncated-headers.eml", "truncated"),
    ],
)
def test_unreadable_input_becomes_a_problem(name, reason):
    problem = parse(name)
    assert isinstance(problem, ImportProblem)
    assert reason in problem.reason
    assert (problem.source, problem.position, problem.kind) == (
        name, "file", "quarantined"
    )


def test_raw_keeps_the_message_bytes():
    data = (DATA / "eight-bit-header.eml").read_bytes()
    assert parsed("eight-bit-header.eml").raw == data


def test_leading_from_line_is_stripped_from_raw():
    message = parsed("pipermail-from-line.eml")
    assert message.raw.startswith(b"From: test at example.com")
    assert message.author_email == "test@example.com"


def test_groups_come_from_newsgroups_only_when_asked():
    data = (DATA / "date-offset-plus-3000.eml").read_bytes()
    assert parse_message(data, "x", "1").groups == []
    assert parse_message(data, "x", "1", newsgroups=True).groups == ["sci.med"]


def test_an_exception_inside_the_parser_becomes_a_problem(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr("importers.parsing.extract_body", boom)
    problem = parse("no-message-id.eml")
    assert isinstance(problem, ImportProblem)
    assert "RuntimeError: kaboom" in problem.reason
    assert problem.excerpt.startswith("From: a@example.org")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<abc@example.org>", "abc@example.org"),
        ("  <abc@example.org>  ", "abc@example.org"),
        ("<abc@\n example.org>", "abc@example.org"),
        ("abc@example.org", "abc@example.org"),
        ("<9704110718.AA02705@>", "9704110718.AA02705@"),
        ("<abc@example.org> (added by relay)", "abc@example.org"),
        ("<no-at-sign>", "no-at-sign"),
        ("<>", None),
        ("   ", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_message_id(value, expected):
    assert normalize_message_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<a@x> <b@y>", ["a@x", "b@y"]),
        ("<a@x>\n\t<b@y> <a@x>", ["a@x", "b@y"]),
        ("Your message of Tue, 1 Apr 97 <9704010826.AA00322@>",
         ["9704010826.AA00322@"]),
        ("<200704070053.46646.other.person@example", []),
        ("<yes>", []),
        ("", []),
        (None, []),
    ],
)
def test_extract_ids(value, expected):
    assert extract_ids(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Ann Example <ann@example.org>", ("Ann Example", "ann@example.org")),
        ('"Last, First" <lf@example.org>', ("Last, First", "lf@example.org")),
        ("jjl at pobox.com (John Lee)", ("John Lee", "jjl@pobox.com")),
        ("jjl at pobox.com", ("", "jjl@pobox.com")),
        ("Kurt.Hornik@ci.tuwien.ac.at (Kurt Hornik)",
         ("Kurt Hornik", "Kurt.Hornik@ci.tuwien.ac.at")),
        ("=?utf-8?q?Toftg=C3=A5rd?= <t@example.com>", ("Toftgård", "t@example.com")),
        ('"=?ISO-8859-1?Q?Andr=E9?=" <a@x.org>', ("André", "a@x.org")),
        ("Ann   B. <a@b.c>", ("Ann B.", "a@b.c")),
        ("MAILER-DAEMON", ("MAILER-DAEMON", None)),
        ("siopis at umich.edu (Christos Siopis <siopis@umich.edu>)",
         ("Christos Siopis", "siopis@umich.edu")),
        ("Name <user at host.example.com>", ("Name", "user@host.example.com")),
        ("Thorsten Hertel t.hertel@example.com",
         ("Thorsten Hertel", "t.hertel@example.com")),
        ("a-kraus@uiuc.edu@uiuc.edu (Albert L. Kraus)",
         ("Albert L. Kraus", "a-kraus@uiuc.edu")),
        ("diablo.UUCP!cboesel (Charles Boesel)", ("Charles Boesel", None)),
        ("  (Rashid)", ("Rashid", None)),
        ("Edwin Gans", ("Edwin Gans", None)),
        (" ()", ("", None)),
        ("", ("", None)),
    ],
)
def test_parse_author(value, expected):
    assert parse_author(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain words", "plain words"),
        ("folded\n\tsubject", "folded subject"),
        ("=?utf-8?q?caf=C3=A9?=", "café"),
        ("=?utf-8?q?a?= =?utf-8?q?b?=", "ab"),
        ("Re: =?iso-8859-1?q?Gr=FC=DFe?= again", "Re: Grüße again"),
        ("=?utf-8*en?q?lang?=", "lang"),
        ("Gr\udcfc\udcdfe", "Grüße"),
    ],
)
def test_decode_header_text(value, expected):
    assert decode_header_text(value) == expected


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        (b"plain", None, ("plain", None)),
        (b"plain", "bogus", ("plain", "charset bogus replaced by utf-8")),
        (b"plain", "unknown-8bit", ("plain", None)),
        ("é".encode(), None, ("é", None)),
        ("é".encode("latin-1"), None, ("é", "undeclared 8-bit text read as cp1252")),
        ("é".encode("latin-1"), "iso-8859-1", ("é", None)),
        ("é".encode("latin-1"), "us-ascii",
         ("é", "charset us-ascii replaced by cp1252")),
        (b"\x81", "utf-8", ("\x81", "charset utf-8 replaced by latin-1")),
    ],
)
def test_decode_bytes_falls_back(data, charset, expected):
    assert decode_bytes(data, charset) == expected


def test_html_to_text_drops_scripts_and_keeps_breaks():
    html = "<p>a<br/>b</p><script>evil()</script><style>x</style>c &lt;d&gt;"
    assert html_to_text(html) == "a\nb\nc <d>\n"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sci.med", ["sci.med"]),
        (" sci.med , misc.health,sci.med ", ["sci.med", "misc.health"]),
        ("", []),
        (None, []),
    ],
)
def test_newsgroups_of(value, expected):
    assert newsgroups_of(value) == expected


# -- format=flowed (RFC 3676) ------------------------------------------------------


@pytest.mark.parametrize(("name", "body"), [
    ("format-flowed.eml",
     "Bo Example wrote:\n"
     "> Does magnesium help with sleep as well, or only with cramps?\n"
     ">> It helps with cramps, the leaflet says, though not always.\n\n"
     "Magnesium helps some people with cramps, but the studies I have read are "
     "small and not blinded.\n\n"
     "From what I hear, the dose matters more than the salt.\n\n-- \nAnn\n"),
    ("format-flowed-delsp.eml",
     "A soft break inside a long word: magnesium, written by a mail program "
     "that cuts words anywhere.\n"),
])
def test_flowed_text_is_decoded_at_import(name, body):
    message = parsed(name)
    assert message.body_text == body
    assert message.raw == (DATA / name).read_bytes()  # the source keeps its lines


@pytest.mark.parametrize(("value", "expected"), [
    ('text/plain; charset="UTF-8"; format=flowed', False),
    ("text/plain; format=flowed; delsp=yes", True),
    ('Text/Plain; Format="Flowed"; DelSp="Yes"', True),
    ("text/plain; format=flowed; delsp=no", False),
    ("text/plain; format=fixed", None),
    ("text/plain; name=flowed.txt", None),
    ("text/html; format=flowed", None),
    ("text/plain", None),
    (None, None),
])
def test_flowed_param(value, expected):
    assert flowed_param(value) == expected


@pytest.mark.parametrize(("text", "delsp", "expected"), [
    ("one \ntwo \nthree\nfour", False, "one two three\nfour"),
    ("magne\nsium", False, "magne\nsium"),  # no trailing space: a hard break
    ("magne \nsium", True, "magnesium"),
    ("> a \n> b\n>> c \n>> d", False, "> a b\n>> c d"),
    ("> a \n>> b", False, "> a\n>> b"),  # a depth change ends a paragraph
    (" From the top\n  two spaces", False, "From the top\n two spaces"),
    ("text \n-- \nsig", False, "text\n-- \nsig"),  # "-- " is never flowed
    ("last \n", False, "last\n"),
    ("ends here \n\nnext", False, "ends here\n\nnext"),  # the gap stays
    (">\n> \n", False, ">\n>\n"),
])
def test_decode_flowed(text, delsp, expected):
    assert decode_flowed(text, delsp) == expected


def test_text_that_is_not_flowed_keeps_its_trailing_spaces():
    data = (DATA / "format-flowed.eml").read_bytes().replace(b"; format=flowed", b"")
    assert "with=20" not in parse_message(data, "x", "1").body_text
    assert "only with \n> cramps?" in parse_message(data, "x", "1").body_text


@pytest.mark.corpus
def test_a_real_flowed_mail_becomes_one_line_per_paragraph():
    path = corpus("googlegroups-open-iscsi", "open-iscsi-2022.mbox.xz")
    [message] = [m for m in iter_mbox(path) if getattr(m, "message_id", None)
                 == "d72a3055-5375-de38-d286-8e88fc6c9487@suse.com"]
    assert ("There is an iscsi service that does nothing but create the "
            "initiatorname.iscsi file in /etc/iscsi if it does not yet exist called "
            "iscsi-init.service.\n") in message.body_text
    assert not any(line.endswith(" ") and line != "-- "
                   for line in message.body_text.split("\n"))
    assert b"does nothing but create the \ninitiatorname" in message.raw
