"""Edge cases of the import loop: an outcome never depends on where batches end."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from forum.extensions import db
from forum.models import (
    AuditEntry,
    Author,
    Group,
    ImportRun,
    Post,
    PostGroup,
    PostSource,
    Thread,
)
from forum.services.batch_rows import PendingRows
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


def article(name: str, subject: str) -> bytes:
    """A message by a new author (its group, named after the file, is new too)."""
    return (f"From {name}@example.org Mon Oct  2 12:00:00 2000\n"
            f"From: {name} <{name}@example.org>\n"
            f"Subject: {subject}\nMessage-ID: <{name}@example.org>\n"
            f"Date: Mon, 2 Oct 2000 12:00:00 +0000\n\n{subject}, said {name}\n\n"
            ).encode()


def fail_writes(monkeypatch, when) -> None:
    """Make a batch's write fail as a lock would, after its rows were sent."""
    real = PendingRows.write

    def write(self, *args):
        changed = real(self, *args)
        if when(self):
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return changed

    monkeypatch.setattr(PendingRows, "write", write)


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


def test_a_batch_retried_after_a_lock_refers_to_no_rolled_back_row(
        import_sources, tmp_path, monkeypatch):
    mbox = tmp_path / "fresh.mbox"
    mbox.write_bytes(article("ann", "first") + article("bob", "second"))
    first = iter([True])
    fail_writes(monkeypatch, lambda _rows: next(first, False))
    report = import_sources(mbox)
    assert report.balanced()
    assert (report.imported, report.quarantined) == (2, 0)
    assert report.threads == count(Thread) == 2
    assert [count(model) for model in (Post, Author, Group, PostGroup)] == [2, 2, 1, 2]


def test_a_message_that_cannot_be_stored_costs_no_other_in_its_group(
        import_sources, tmp_path, monkeypatch):
    mbox = tmp_path / "fresh.mbox"
    mbox.write_bytes(article("ann", "bad") + article("bob", "good"))
    fail_writes(monkeypatch, lambda rows: any(
        row["subject"] == "bad" for row in rows.posts))
    report = import_sources(mbox)
    assert (report.imported, report.quarantined) == (1, 1)
    listed = db.session.execute(select(Post.subject, Group.name).join(
        PostGroup, PostGroup.post_id == Post.id).join(Group)).all()
    assert [tuple(row) for row in listed] == [("good", "fresh")]
    assert count(Author) == 1
