"""Broken input never aborts an import: repaired, quarantined or refused clearly."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from forum.extensions import db
from forum.models import ImportProblemRecord, Post

DATA = Path(__file__).resolve().parents[1] / "data"


def test_every_broken_case_is_accounted_for(import_sources):
    files = sorted(DATA.glob("*.eml")) + sorted(DATA.glob("*.mbox"))
    report = import_sources(*files)
    assert report.read == (report.imported + report.duplicates
                           + report.quarantined + report.skipped)
    assert report.quarantined >= 3 and report.imported >= 30
    assert report.skipped >= 1  # x-no-archive.eml
    records = db.session.scalars(select(ImportProblemRecord)).all()
    problems = [r for r in records if r.kind not in ("repaired", "truncated")]
    assert len(problems) == (report.quarantined + report.skipped
                             + report.failed_sources)
    # Every repair counted is listed, with the post it concerns.
    repairs = [r for r in records if r.kind == "repaired"]
    assert len(repairs) == report.repaired > 0
    assert all(r.post_id and r.reason for r in repairs)
    # Empty, whitespace-only and headerless files are refused as whole sources.
    assert report.failed_sources == 4
    for problem in problems:
        assert problem.source and problem.position and problem.reason
    again = import_sources(*files)
    assert again.imported == 0


def test_repaired_dates_are_kept_with_a_note(import_sources):
    import_sources(DATA / "date-offset-plus-3000.eml")
    post = db.session.scalars(select(Post).where(Post.is_ghost.is_(False))).one()
    assert post.date is not None and post.date_note


def test_an_unreadable_source_is_reported_and_exits_nonzero(runner, tmp_path):
    junk = tmp_path / "picture.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    good = DATA / "no-message-id.eml"
    result = runner.invoke(args=["import", str(junk), str(good), "--json"])
    assert result.exit_code == 2
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["imported"] == 1
    assert [p["kind"] for p in report["problems"]] == ["error"]
    assert "picture.png" in report["problems"][0]["source"]


def test_unknown_format_name_is_refused_by_the_cli(runner):
    result = runner.invoke(args=["import", str(DATA / "empty.eml"), "--format", "x"])
    assert result.exit_code == 2 and "Invalid value" in result.output
