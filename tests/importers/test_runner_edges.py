"""Edge cases of the import loop: an outcome never depends on where batches end."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from forum.extensions import db
from forum.models import AuditEntry, Author, Group, ImportRun, Post, PostSource
from importers.runner import ImportOptions, ImportRunner

DATA = Path(__file__).resolve().parents[1] / "data"

_HEAD = (b"From ann@example.org Mon Oct  2 12:00:00 2000\n"
         b"From: Ann <ann@example.org>\nSubject: s\nMessage-ID: <m@example.org>\n"
         b"Date: Mon, 2 Oct 2000 12:00:00 +0000\n"
         b"Content-Type: multipart/mixed; boundary=XX\n\n"
         b"--XX\nContent-Type: text/plain\n\nhello there, the first line\n")
# The same message twice: first without its closing boundary (cut off), then whole.
CUT_THEN_WHOLE = (_HEAD + b"\n" + _HEAD + b"and the line the cut copy lost\n"
                  b"\n--XX--\n")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("batch_size", [1, 1000])
def test_a_complete_copy_heals_a_cut_one_in_the_same_batch(import_sources, tmp_path,
                                                           batch_size):
    mbox = tmp_path / "copies.mbox"
    mbox.write_bytes(CUT_THEN_WHOLE)
    report = import_sources(mbox, group="g", batch_size=batch_size)
    assert report.balanced()
    assert (report.imported, report.duplicates, report.truncated) == (2, 0, 1)
    post = db.session.scalars(select(Post)).one()
    assert post.truncated is None
    assert "the line the cut copy lost" in post.body_text
    assert count(PostSource) == 1
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions == ["import.replace_truncated"]


def test_a_message_skipped_for_x_no_archive_leaves_no_trace(import_sources):
    report = import_sources(DATA / "x-no-archive.eml", group="g")
    assert (report.read, report.skipped) == (1, 1)
    assert [count(model) for model in (Post, Author, Group)] == [0, 0, 0]


def test_a_run_that_finishes_keeps_no_failure_from_earlier(app, tmp_path):
    """Another process once took the live run for dead (a shared host name)."""
    mbox = tmp_path / "copies.mbox"
    mbox.write_bytes(CUT_THEN_WHOLE)

    def declared_dead(_read: int) -> None:
        db.session.execute(update(ImportRun).values(
            status="failed", failure="no progress reported; presumed dead"))
        db.session.commit()

    runner = ImportRunner(db.session, ImportOptions(batch_size=1),
                          progress=declared_dead)
    report = runner.run([str(mbox)])
    db.session.expire_all()
    run = db.session.get(ImportRun, report.run_id)
    assert (run.status, run.failure) == ("finished", None)
