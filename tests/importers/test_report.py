"""The import's account (importers.report) and what a source is
(importers.sources), without a database: the runner's own tests import for real."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from importers.base import ImportProblem, IncomingMessage
from importers.report import ImportReport, Note, Tally
from importers.sources import default_group_for, is_news_url, with_group


def _msg(position: str, **fields) -> IncomingMessage:
    return IncomingMessage(source="a.mbox", position=position, **fields)


def _stored(status: str, post_id: int | None = None, reason: str = ""):
    return SimpleNamespace(status=status, post_id=post_id, reason=reason)


def test_a_tally_counts_each_outcome_and_balances():
    report = ImportReport(read=4)
    tally = Tally(report)
    batch = [_msg("1"), _msg("2", repairs=["NUL dropped"]), _msg("3")]
    tally.count(batch, [_stored("imported", 7), _stored("imported", 8, "healed"),
                        _stored("duplicate")])
    tally.problem(ImportProblem(source="a.mbox", position="4", reason="bad",
                                kind="anything"))
    assert (report.imported, report.duplicates, report.quarantined) == (2, 1, 1)
    assert report.repaired == 1 and report.balanced()
    assert tally.new_ids == {7, 8}
    assert tally.notes == [Note("repaired", "a.mbox", "2", 8, "NUL dropped; healed")]


def test_take_hands_over_what_waits_and_lists_the_problems():
    report = ImportReport()
    tally = Tally(report)
    tally.count([_msg("1", truncated="ends mid-message")], [_stored("skipped",
                                                                    reason="no")])
    tally.source_error("gone.mbox", OSError("no such file"))
    problems, notes = tally.take()
    assert [(p.kind, p.position) for p in problems] == [
        ("skipped", "1"), ("error", "source")]
    assert notes == []  # a message skipped is not stored: nothing cut off to note
    assert report.failed_sources == 1 and report.skipped == 1
    assert [p["reason"] for p in report.problems] == [
        "no", "cannot read: no such file"]
    assert tally.take() == ([], [])


def test_a_failure_goes_back_to_the_last_commit():
    report = ImportReport()
    tally = Tally(report)
    tally.count([_msg("1", truncated="cut")], [_stored("imported", 1)])
    tally.committed()
    assert tally.new_ids == set()
    report.read += 1
    tally.count([_msg("2")], [_stored("imported", 2)])
    tally.unstorable(_msg("3", body_text="x"), ValueError("nope"))
    tally.back()
    assert (report.imported, report.quarantined, report.truncated) == (1, 0, 1)
    assert report.read == 0 and tally.problems == [] and tally.notes == []


@pytest.mark.parametrize(("source", "news"), [
    ("nntp://news.example.org/comp.lang.c", True),
    ("NNTPS://news.example.org:563/a.b", True),
    ("https://example.org/a.mbox", False),
    ("archive/comp.lang.c.mbox", False),
])
def test_a_news_url_is_told_from_a_path(source, news):
    assert is_news_url(source) is news


def test_a_file_without_groups_is_named_after_itself_or_its_folder(tmp_path):
    assert default_group_for("dumps/LKML.mbox.gz") == "lkml"
    assert default_group_for("lists/health/2001-November.txt") == "health"
    (tmp_path / "list" / "cur").mkdir(parents=True)
    assert default_group_for(str(tmp_path / "list" / "cur")) == "list"


def test_with_group_moves_messages_and_leaves_problems():
    problem = ImportProblem(source="s", position="2", reason="bad")
    stream = iter([_msg("1", groups=["a", "b"]), problem])
    assert with_group(stream, None) is stream
    regrouped = list(with_group(iter([_msg("1", groups=["a", "b"]), problem]), "g"))
    assert regrouped[0].groups == ["g"] and regrouped[1] is problem
