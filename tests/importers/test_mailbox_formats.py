"""mbox (mboxrd, mboxo, LISTSERV, compressed) and pipermail files."""

from __future__ import annotations

import bz2
import gzip
import lzma
import shutil
from pathlib import Path

import pytest

from importers.base import ImportProblem, IncomingMessage
from importers.mbox import iter_mbox, unescape_mboxo, unescape_mboxrd
from importers.pipermail import is_pipermail_separator, iter_pipermail
from importers.streams import is_separator

DATA = Path(__file__).resolve().parents[1] / "data"


def messages(items) -> list[IncomingMessage]:
    return [item for item in items if isinstance(item, IncomingMessage)]


def problems(items) -> list[ImportProblem]:
    return [item for item in items if isinstance(item, ImportProblem)]


def test_mboxrd_unescapes_one_level_of_from_quoting():
    first, second = list(iter_mbox(DATA / "mboxrd-from-escaping.mbox"))
    assert first.body_text == (
        "From my point of view this works.\n>From quoted twice.\nFrom the start\n"
    )
    assert b"\nFrom my point of view" in first.raw
    assert second.message_id == "rd2@example.org"


def test_mboxrd_positions_name_message_and_byte_offset():
    positions = [m.position for m in iter_mbox(DATA / "mboxrd-from-escaping.mbox")]
    assert positions == ["message 1 (byte 0)", "message 2 (byte 236)"]
    data = (DATA / "mboxrd-from-escaping.mbox").read_bytes()
    assert data[236:].startswith(b"From bob@example.org")


@pytest.mark.parametrize(
    ("line", "rd", "o"),
    [
        (b">From x\n", b"From x\n", b"From x\n"),
        (b">>From x\n", b">From x\n", b">>From x\n"),
        (b"> From x\n", b"> From x\n", b"> From x\n"),
        (b">quoted\n", b">quoted\n", b">quoted\n"),
    ],
)
def test_unescaping_rules(line, rd, o):
    assert (unescape_mboxrd(line), unescape_mboxo(line)) == (rd, o)


def test_mboxo_keeps_double_quoted_from():
    first = next(iter(iter_mbox(DATA / "mboxrd-from-escaping.mbox", "mboxo")))
    assert ">>From quoted twice." in first.body_text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"From ann@example.org Mon Apr  5 10:00:00 1993\n", True),
        (b"From MAILER-DAEMON Sat Aug 28 14:17:14 2021\n", True),
        (b"From - Sat Jan  1 04:05:07 +0000 2000\n", True),
        (b"From a@b Mon, 5 Apr 1993 10:00:00 +0000\n", True),
        (b"From my point of view this works.\n", False),
        (b"From 10:30 we met.\n", False),
    ],
)
def test_mbox_separator_needs_a_date(line, expected):
    assert is_separator(line) is expected


def test_truncated_mbox_keeps_the_good_messages_and_reports_the_cut_one():
    items = list(iter_mbox(DATA / "truncated-mbox.mbox"))
    good = [m.message_id for m in messages(items)]
    assert good == ["t1@example.org", "t2@example.org"]
    [problem] = problems(items)
    assert problem.position == "message 3 (byte 342)"
    assert "truncated" in problem.reason
    assert problem.source.endswith("truncated-mbox.mbox")


def test_text_before_the_first_separator_is_a_problem_not_a_message():
    items = list(iter_mbox(DATA / "mbox-text-before-first-separator.mbox"))
    assert "before the first" in problems(items)[0].reason
    assert [m.message_id for m in messages(items)] == ["pre1@example.org"]


def test_listserv_export_with_lower_case_headers():
    items = list(iter_mbox(DATA / "mbox-listserv-mailer-daemon.mbox"))
    first, empty, reply = items
    assert first.message_id == "l1@example.com"
    assert first.body_text == "Toftgård wrote.\n"
    assert isinstance(empty, ImportProblem)
    assert reply.in_reply_to == "l1@example.com"
    assert (reply.author_name, reply.author_email) == ("B", "b@example.com")
    assert "used separator line" in reply.date_note


@pytest.mark.parametrize(
    ("suffix", "opener"),
    [(".gz", gzip.open), (".xz", lzma.open), (".bz2", bz2.open)],
)
def test_compressed_mbox_reads_like_the_plain_one(tmp_path, suffix, opener):
    plain = DATA / "mboxrd-from-escaping.mbox"
    packed = tmp_path / f"archive.mbox{suffix}"
    with opener(packed, "wb") as out:
        out.write(plain.read_bytes())
    expected = [(m.message_id, m.body_text, m.position) for m in iter_mbox(plain)]
    got = [(m.message_id, m.body_text, m.position) for m in iter_mbox(packed)]
    assert got == expected


def test_damaged_gzip_ends_with_a_problem(tmp_path):
    big = b"".join(
        f"From a@b Mon Apr  5 10:00:00 1993\nFrom: a@b\nSubject: {n}\n"
        f"Message-ID: <{n}@b>\n\n{'text ' * 200}\n\n".encode()
        for n in range(200)
    )
    packed = gzip.compress(big)
    broken = tmp_path / "cut.mbox.gz"
    broken.write_bytes(packed[: len(packed) // 2])
    items = list(iter_mbox(broken))
    assert isinstance(items[-1], ImportProblem)
    assert "damaged" in items[-1].reason
    assert len(messages(items)) > 10


def test_a_missing_mbox_raises_instead_of_reporting_damage(tmp_path):
    with pytest.raises(FileNotFoundError):
        list(iter_mbox(tmp_path / "missing.mbox"))


def test_pipermail_separators_in_all_three_forms():
    items = list(iter_pipermail(DATA / "pipermail-display-name-separator.txt"))
    assert [m.message_id for m in items] == [
        "p1@pobox.example.com", "p2@ci.example.at", "9704010818.AA00300@",
    ]
    assert items[0].author_email == "jjl@pobox.example.com"
    assert items[1].in_reply_to == "p1@pobox.example.com"
    assert "A non-text attachment was scrubbed..." in items[2].body_text
    assert items[2].position == "message 3 (byte 447)"


def test_pipermail_txt_gz(tmp_path):
    packed = tmp_path / "2001-November.txt.gz"
    with open(DATA / "pipermail-display-name-separator.txt", "rb") as src:
        with gzip.open(packed, "wb") as out:
            shutil.copyfileobj(src, out)
    assert len(messages(iter_pipermail(packed))) == 3


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"From jjl at pobox.com  Thu Nov  1 11:19:12 2001\n", True),
        (b"From Kurt.Hornik@ci.tuwien.ac.at  Tue Apr  1 09:35:43 1997\n", True),
        (b"From Martin Maechler <m@x.ch>  Tue Apr  1 08:18:42 1997\n", True),
        (b"From the start of the study\n", False),
    ],
)
def test_pipermail_separator(line, expected):
    assert is_pipermail_separator(line) is expected


@pytest.mark.parametrize("block", [7, 100, 1 << 22])
@pytest.mark.parametrize("unescape", ["mboxrd", "mboxo", None])
def test_reading_a_plain_file_by_blocks_splits_as_reading_it_by_lines(block, unescape,
                                                                      monkeypatch):
    """Block edges may fall anywhere: inside a separator, a `>From ` line..."""
    import io

    from importers import streams
    from importers.mbox import VARIANTS

    undo = VARIANTS.get(unescape)
    sample = b"".join([
        b"preamble\n\n",
        b"From a@b Mon Jan  1 00:00:00 2000\nSubject: one\n\n>From here\n",
        b">>From there\nFrom my point of view\n\n",
        b"From a@b Tue Jan  2 00:00:00 2000\r\nSubject: two\r\n\r\nbody\r\n\r\n",
        b"From x@y Wed Jan  3 00:00:00 2000\nSubject: three\n\nlast line",
    ])
    by_lines = list(streams.iter_lines_split(iter(io.BytesIO(sample).readlines()),
                                             unescape=undo))
    monkeypatch.setattr(streams, "BLOCK", block)
    by_blocks = list(streams._split_blocks_of(io.BytesIO(sample),
                                              streams.is_separator, undo))
    assert by_blocks == by_lines and len(by_lines) == 4
