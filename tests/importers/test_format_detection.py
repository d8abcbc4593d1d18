"""detect_format names the reader; iter_source runs it and applies --group."""

from __future__ import annotations

import gzip
import lzma
import tarfile
from pathlib import Path

import pytest

from importers.base import ImportProblem, IncomingMessage
from importers.detect import UnknownFormat, detect_format, iter_source

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mboxrd-from-escaping.mbox", "mbox"),
        ("mbox-listserv-mailer-daemon.mbox", "mbox"),
        ("mbox-text-before-first-separator.mbox", "mbox"),
        ("truncated-mbox.mbox", "mbox"),
        ("pipermail-display-name-separator.txt", "pipermail"),
        ("pipermail-from-line.eml", "pipermail"),
        ("no-message-id.eml", "message"),
        ("leading-blank-lines.eml", "message"),
        ("bogus-content-type-params.eml", "message"),
        ("date-offset-plus-3000.eml", "usenet-article"),
        ("usenet-spool/misc.test/1", "usenet-article"),
        ("usenet-spool", "usenet-spool"),
        ("usenet-spool/misc.test", "usenet-spool"),
        ("maildir", "maildir"),
        ("eml-folder", "eml-folder"),
    ],
)
def test_detect_format(name, expected):
    assert detect_format(DATA / name) == expected


def test_detects_compressed_files_by_content(tmp_path):
    mbox = tmp_path / "list.mbox.xz"
    mbox.write_bytes(lzma.compress((DATA / "truncated-mbox.mbox").read_bytes()))
    month = tmp_path / "2007q1.txt.gz"
    month.write_bytes(
        gzip.compress((DATA / "pipermail-display-name-separator.txt").read_bytes())
    )
    assert (detect_format(mbox), detect_format(month)) == ("mbox", "pipermail")


@pytest.mark.parametrize(
    ("folder", "expected"),
    [("usenet-spool/misc.test", "usenet-tar"), ("maildir", "message-tar")],
)
def test_detects_tars_by_member_names(tmp_path, folder, expected):
    packed = tmp_path / "packed.tar.xz"
    with tarfile.open(packed, "w:xz") as tar:
        tar.add(DATA / folder, arcname=Path(folder).name)
    assert detect_format(packed) == expected


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.eml", "empty file"),
        ("whitespace-only.eml", "empty file"),
        ("binary-garbage.eml", "not an mbox"),
        ("no-headers.eml", "not an mbox"),
        ("does-not-exist.mbox", "no such file"),
    ],
)
def test_unrecognisable_sources_raise_with_the_path(name, reason):
    with pytest.raises(UnknownFormat, match=reason) as caught:
        detect_format(DATA / name)
    assert name in str(caught.value)


def test_empty_folder_is_unknown(tmp_path):
    with pytest.raises(UnknownFormat, match="no files"):
        detect_format(tmp_path)


def test_iter_source_raises_before_iteration():
    with pytest.raises(UnknownFormat):
        iter_source(DATA / "binary-garbage.eml")


def test_explicit_format_reads_what_auto_refuses():
    [problem] = iter_source(DATA / "binary-garbage.eml", fmt="message")
    assert isinstance(problem, ImportProblem)
    assert "binary" in problem.reason


@pytest.mark.parametrize(
    ("name", "fmt", "count"),
    [
        ("usenet-spool", "usenet", 3),
        ("usenet-spool/misc.test/1", "usenet", 1),
        ("eml-folder", "eml", 2),
        ("no-message-id.eml", "eml", 1),
        ("mboxrd-from-escaping.mbox", "mboxo", 2),
        ("mboxrd-from-escaping.mbox", "MBOXRD", 2),
    ],
)
def test_format_aliases(name, fmt, count):
    assert len(list(iter_source(DATA / name, fmt=fmt))) == count


def test_unknown_format_name():
    with pytest.raises(UnknownFormat, match="unknown format 'cobol'"):
        iter_source(DATA / "no-message-id.eml", fmt="cobol")


def test_group_overrides_newsgroups_and_fills_empty_groups():
    spool = list(iter_source(DATA / "usenet-spool", group="local.test"))
    mbox = list(iter_source(DATA / "truncated-mbox.mbox", group="local.test"))
    for item in spool + mbox:
        if isinstance(item, IncomingMessage):
            assert item.groups == ["local.test"]


def test_without_group_only_usenet_has_groups():
    [article] = iter_source(DATA / "date-offset-plus-3000.eml")
    [message] = iter_source(DATA / "no-message-id.eml")
    assert (article.groups, message.groups) == (["sci.med"], [])
