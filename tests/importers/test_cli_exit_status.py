"""`flask import` tells the truth: 0 all stored or skipped for a stated reason,
1 some quarantined, 2 usage errors and unreadable input, in one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import REPO

DATA = Path(__file__).resolve().parents[1] / "data"


def _import(runner, *args):
    return runner.invoke(args=["import", *map(str, args)])


def test_a_clean_import_exits_0(runner):
    done = _import(runner, REPO / "samples" / "health-forum-sample.mbox.gz")
    assert done.exit_code == 0 and "imported 300" in done.output


def test_skipped_for_a_stated_reason_exits_0(runner):
    done = _import(runner, DATA / "x-no-archive.eml")
    assert done.exit_code == 0 and "skipped 1" in done.output


def test_garbage_given_as_mbox_is_quarantined_and_exits_1(runner, tmp_path):
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(bytes(range(256)) * 40)
    done = _import(runner, garbage, "--format", "mbox")
    assert done.exit_code == 1
    assert "quarantined 1" in done.output and "imported 0" in done.output


@pytest.mark.parametrize("name, why", [
    ("binary-garbage.eml", "it holds binary data, not text"),
    ("empty.eml", "empty file"),
    ("whitespace-only.eml", "empty file"),
])
def test_an_unreadable_file_is_one_clear_line_and_exits_2(runner, name, why):
    done = _import(runner, DATA / name)
    assert done.exit_code == 2
    lines = done.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and why in lines[0]
    assert "\\x" not in lines[0] and "b'" not in lines[0]


def test_a_missing_file_is_a_usage_error(runner, tmp_path):
    done = _import(runner, tmp_path / "nothing-here.mbox")
    assert done.exit_code == 2 and "does not exist" in done.output
