"""A message cut off by the end of its file is stored marked, named in the
report, and replaced (audited) when the complete file is imported later."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, ImportProblemRecord, Post
from importers.mbox import iter_mbox
from importers.parsing import parse_message
from tests.evidence.conftest import quick_password_hashing  # noqa: F401 - a fixture
from tests.helpers import corpus

DATA = "tests/data"


def _cut(source, tmp_path, size: int):
    data = source.read_bytes()
    cut = tmp_path / "cut.mbox"
    cut.write_bytes(data[:size])
    whole = tmp_path / "whole.mbox"
    whole.write_bytes(data)
    return cut, whole


def _cut_mid_line(data: bytes, near: int) -> int:
    """A byte offset near `near` inside a body line of some message."""
    at = data.index(b"\n\n", near) + 2
    while True:
        line_end = data.index(b"\n", at)
        if line_end - at > 20 and not data[at:].startswith(b"From "):
            return at + (line_end - at) // 2
        at = line_end + 1


def test_the_last_message_of_a_cut_mbox_is_marked(tmp_path):
    source = corpus("notmuch-mail", "notmuch-lkml.mbox")
    data = source.read_bytes()
    cut, _ = _cut(source, tmp_path, _cut_mid_line(data, len(data) // 2))
    items = list(iter_mbox(cut))
    assert [i.truncated for i in items[:-1]] == [None] * (len(items) - 1)
    assert items[-1].truncated == "the file ends in the middle of a line"
    whole = list(iter_mbox(source))
    assert all(i.truncated is None for i in whole if hasattr(i, "truncated"))


def test_a_base64_part_that_stops_short_is_marked():
    with open(f"{DATA}/base64-truncated.eml", "rb") as handle:
        msg = parse_message(handle.read(), "x.eml", "file")
    assert msg.truncated == "a base64 part stops short"


def test_a_multipart_without_its_closing_boundary_is_marked():
    data = (b"From: a@example.org\nSubject: s\nMessage-ID: <m@x>\n"
            b"Content-Type: multipart/mixed; boundary=XX\n\n--XX\n"
            b"Content-Type: text/plain\n\nhello there, this is the first part\n")
    assert parse_message(data, "x.eml", "file").truncated == \
        "the closing MIME boundary is missing"
    whole = data + b"--XX--\n"
    assert parse_message(whole, "x.eml", "file").truncated is None


def test_the_complete_file_replaces_the_cut_copy(app, import_sources, tmp_path):
    source = corpus("notmuch-mail", "notmuch-lkml.mbox")
    data = source.read_bytes()
    cut, whole = _cut(source, tmp_path, _cut_mid_line(data, len(data) // 2))

    first = import_sources(cut, group="lkml")
    assert first.truncated == 1 and first.balanced()
    marked = db.session.scalars(select(Post).where(Post.truncated.is_not(None))).all()
    assert len(marked) == 1
    post = marked[0]
    cut_body, post_id, permalink = post.body_text, post.id, post.permalink
    listed = db.session.scalars(select(ImportProblemRecord).where(
        ImportProblemRecord.run_id == first.run_id,
        ImportProblemRecord.kind == "truncated")).all()
    assert [(p.post_id, p.reason) for p in listed] == [
        (post_id, "the file ends in the middle of a line")]

    second = import_sources(whole, group="lkml")
    assert second.balanced() and second.truncated == 0
    db.session.expire_all()
    healed = db.session.get(Post, post_id)
    assert healed.truncated is None and healed.permalink == permalink
    assert len(healed.body_text) > len(cut_body)
    assert healed.body_text.startswith(cut_body.rstrip()[:40])
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "import.replace_truncated")).all()
    assert [e.post_id for e in entries] == [post_id]
    repaired = db.session.scalars(select(ImportProblemRecord).where(
        ImportProblemRecord.run_id == second.run_id,
        ImportProblemRecord.post_id == post_id)).all()
    assert [p.kind for p in repaired] == ["repaired"]
    assert "replaced by this complete one" in repaired[0].reason

    third = import_sources(whole, group="lkml")  # nothing left to heal or add
    assert third.imported == 0 and third.duplicates == third.read
    count = db.session.scalar(select(func.count()).select_from(Post))
    assert count == db.session.scalar(select(func.count(func.distinct(
        Post.message_id))))


def test_a_cut_copy_never_replaces_a_complete_one(app, import_sources, tmp_path):
    source = corpus("notmuch-mail", "notmuch-lkml.mbox")
    data = source.read_bytes()
    cut, whole = _cut(source, tmp_path, _cut_mid_line(data, len(data) // 2))
    import_sources(whole, group="lkml")
    bodies = dict(db.session.execute(select(Post.id, Post.body_text)).all())
    again = import_sources(cut, group="lkml")
    assert again.imported == 0 and again.duplicates == again.read
    db.session.expire_all()
    assert dict(db.session.execute(select(Post.id, Post.body_text)).all()) == bodies
    assert db.session.scalar(select(func.count()).select_from(Post).where(
        Post.truncated.is_not(None))) == 0


def test_imports_show_lists_repairs_and_cut_copies(app, runner, tmp_path):
    source = corpus("notmuch-mail", "notmuch-lkml.mbox")
    data = source.read_bytes()
    cut, _ = _cut(source, tmp_path, _cut_mid_line(data, len(data) // 2))
    done = runner.invoke(args=["import", str(cut), "--group", "lkml"])
    assert done.exit_code == 0, done.output
    assert "1 cut off" in done.output and "imports show 1" in done.output
    shown = runner.invoke(args=["imports", "show", "1"])
    lines = shown.output.splitlines()
    assert lines[0] == "run 1: finished"
    assert any(line.startswith("truncated\t") and "middle of a line" in line
               and "\tpost " in line for line in lines)
    assert "@" not in "".join(lines[3:]).replace(str(cut), "")


@pytest.mark.usefixtures("quick_password_hashing")
def test_the_import_page_lists_repairs_with_their_posts(app, client, import_sources,
                                                        tmp_path):
    from forum.services.accounts import create_user
    from tests.evidence.conftest import Auth

    source = corpus("notmuch-mail", "notmuch-lkml.mbox")
    data = source.read_bytes()
    cut, _ = _cut(source, tmp_path, _cut_mid_line(data, len(data) // 2))
    report = import_sources(cut, group="lkml")
    create_user(db.session, "mara", "correct horse battery", "moderator")
    db.session.commit()
    cut_post = db.session.scalar(select(Post).where(Post.truncated.is_not(None)))
    assert Auth(client).login("mara").status_code == 302
    page = client.get(f"/imports/{report.run_id}/").get_data(as_text=True)
    assert "the file ends in the middle of a line" in page
    assert f'href="/p/{cut_post.permalink}/"' in page
    repaired = page.count("<td>repaired</td>")
    assert repaired == report.repaired > 0


@pytest.mark.parametrize("change", ["redact", "purge"])
def test_a_complete_copy_never_undoes_a_redaction_or_a_purge(app, import_sources,
                                                              tmp_path, change):
    from forum.services.accounts import create_user
    from forum.services.takedown_purge import purge_post
    from forum.services.takedowns import redact_post

    source = corpus("notmuch-mail", "notmuch-lkml.mbox")
    data = source.read_bytes()
    cut, whole = _cut(source, tmp_path, _cut_mid_line(data, len(data) // 2))
    import_sources(cut, group="lkml")
    admin = create_user(db.session, "ada", "correct horse battery", "admin")
    post = db.session.scalar(select(Post).where(Post.truncated.is_not(None)))
    phrase = post.body_text.split()[3]
    if change == "redact":
        redact_post(db.session, admin, post, phrase, "personal_information")
    else:
        purge_post(db.session, admin, post, "legal")
    db.session.commit()
    before = db.session.get(Post, post.id).body_text

    healed = import_sources(whole, group="lkml")
    db.session.expire_all()
    after = db.session.get(Post, post.id)
    assert after.body_text == before and after.truncated is not None
    assert healed.balanced()
    if change == "redact":
        assert phrase not in after.body_text
