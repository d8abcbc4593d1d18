"""Maildir, folders of .eml, Usenet spools and tars of them."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from importers.base import ImportProblem, IncomingMessage
from importers.maildir import (
    iter_eml_folder,
    iter_maildir,
    iter_message_file,
    iter_message_tar,
)
from importers.usenet import iter_article, iter_spool, iter_spool_tar, spool_group

DATA = Path(__file__).resolve().parents[1] / "data"


def make_tar(tmp_path: Path, folder: Path, name: str) -> Path:
    target = tmp_path / name
    mode = "w:xz" if name.endswith(".xz") else "w:gz" if name.endswith(".gz") else "w"
    with tarfile.open(target, mode) as tar:
        for path in sorted(folder.rglob("*")):
            tar.add(path, arcname=path.relative_to(folder.parent).as_posix(),
                    recursive=False)
    return target


def test_maildir_reads_cur_and_new_but_not_tmp():
    items = list(iter_maildir(DATA / "maildir"))
    assert [m.position for m in items] == [
        "cur/1049000000.M1P1.host:2,S", "new/1049000001.M2P2.host",
    ]
    assert [m.body_text for m in items] == ["Seen.\n", "New.\n"]
    assert all(m.groups == [] for m in items)


def test_eml_folder_reads_only_eml_files_recursively():
    items = list(iter_eml_folder(DATA / "eml-folder"))
    assert [m.position for m in items] == ["a.eml", "sub/b.eml"]


def test_folder_without_eml_reads_every_file_and_reports_non_messages(tmp_path):
    (tmp_path / "one").write_bytes((DATA / "no-message-id.eml").read_bytes())
    (tmp_path / "two").write_bytes(b"")
    first, second = iter_eml_folder(tmp_path)
    assert isinstance(first, IncomingMessage)
    assert isinstance(second, ImportProblem) and second.position == "two"


def test_single_message_file():
    [message] = iter_message_file(DATA / "x-no-archive.eml")
    assert message.position == "file" and message.no_archive


def test_spool_reads_articles_in_number_order_with_their_groups():
    items = list(iter_spool(DATA / "usenet-spool"))
    assert [m.position for m in items] == [
        "misc.test/1", "misc.test/2", "misc.test/10",
    ]
    assert items[0].groups == ["misc.test", "misc.misc"]
    assert items[2].references == ["n1@example.org"]
    assert all("Xref" not in m.body_text and "Path" not in m.body_text for m in items)


def test_single_article_keeps_its_newsgroups():
    [article] = iter_article(DATA / "usenet-spool" / "misc.test" / "10")
    assert article.groups == ["misc.test"]
    assert article.body_text == "Tenth article.\n"


@pytest.mark.parametrize("name", ["spool.tar", "spool.tar.gz", "spool.tar.xz"])
def test_spool_tar_matches_the_folder(tmp_path, name):
    packed = make_tar(tmp_path, DATA / "usenet-spool" / "misc.test", name)
    got = [(m.position, m.message_id, m.groups) for m in iter_spool_tar(packed)]
    assert sorted(got) == sorted([
        ("misc.test/1", "n1@example.org", ["misc.test", "misc.misc"]),
        ("misc.test/10", "n10@example.org", ["misc.test"]),
        ("misc.test/2", "n2@example.org", ["misc.test"]),
    ])


def test_tar_of_a_maildir(tmp_path):
    packed = make_tar(tmp_path, DATA / "maildir", "mail.tar.xz")
    positions = [m.position for m in iter_message_tar(packed)]
    assert "maildir/cur/1049000000.M1P1.host:2,S" in positions
    assert len(positions) == 3  # a tar is taken as it is, tmp included


def test_damaged_tar_ends_with_a_problem(tmp_path):
    packed = make_tar(tmp_path, DATA / "usenet-spool" / "misc.test", "spool.tar.gz")
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(packed.read_bytes()[:-40])
    items = list(iter_spool_tar(cut))
    assert isinstance(items[-1], ImportProblem)
    assert "damaged" in items[-1].reason


@pytest.mark.parametrize(
    ("relative", "root", "expected"),
    [
        ("sci.med/58983", "", "sci.med"),
        ("spool/comp.windows.x/66437", "", "comp.windows.x"),
        ("sci/med/58983", "spool", "sci.med"),
        ("58983", "sci.med", "sci.med"),
        ("58983", "articles", None),
    ],
)
def test_spool_group_comes_from_the_folder(relative, root, expected):
    assert spool_group(relative, root) == expected


def test_spool_folder_adds_its_group_when_newsgroups_omits_it(tmp_path):
    folder = tmp_path / "comp.windows.x"
    folder.mkdir()
    article = (DATA / "usenet-spool" / "misc.test" / "2").read_bytes()
    (folder / "66437").write_bytes(article)
    [item] = iter_spool(tmp_path)
    assert item.groups == ["misc.test", "comp.windows.x"]


@pytest.mark.parametrize("reader", [iter_spool_tar, iter_message_tar])
def test_a_missing_tar_raises_instead_of_reporting_damage(tmp_path, reader):
    with pytest.raises(FileNotFoundError):
        list(reader(tmp_path / "missing.tar.xz"))
