"""The one door: dedup, ghosts, re-attachment, loops, merges, cross-posts."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Group, Post, PostGroup, Thread, ThreadGroup
from forum.services.posting import Archiver, archive_message
from importers.base import IncomingMessage


def message(mid, *, refs=(), irt=None, day=1, body=None, groups=("g",), **kw):
    return IncomingMessage(
        source="test", position=mid or "?", message_id=mid,
        subject=kw.pop("subject", f"About {mid}"), author_name="Ann Example",
        author_email="ann@example.org", date=datetime(2000, 10, day, 12, 0),
        in_reply_to=irt, references=list(refs),
        groups=list(groups), body_text=body if body is not None else f"text of {mid}",
        **kw,
    )


def archive(*messages, **options):
    archiver = Archiver(db.session, **options)
    results = archiver.archive(list(messages))
    archiver.finish()
    db.session.commit()
    return [r.status for r in results]


def post(mid) -> Post:
    return db.session.scalars(
        select(Post).where(Post.message_id == mid, Post.is_ghost.is_(False))
    ).one()


def tree(thread_id):
    rows = db.session.execute(
        select(Post.message_id, Post.depth, Post.is_ghost)
        .where(Post.thread_id == thread_id).order_by(Post.thread_order)
    ).all()
    return [(m, d, g) for m, d, g in rows]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_reply_chain_is_one_thread_with_stored_order(app):
    archive(message("a@x.org"), message("b@x.org", irt="a@x.org", day=2),
            message("c@x.org", refs=["a@x.org", "b@x.org"], day=3),
            message("d@x.org", irt="a@x.org", day=4))
    thread_id = post("a@x.org").thread_id
    assert tree(thread_id) == [
        ("a@x.org", 0, False), ("b@x.org", 1, False), ("c@x.org", 2, False),
        ("d@x.org", 1, False),
    ]
    thread = db.session.get(Thread, thread_id)
    assert thread.post_count == 4 and thread.subject == "About a@x.org"


def test_parent_arriving_later_fills_its_ghost(app):
    archive(message("child@x.org", refs=["root@x.org"], day=2))
    child = post("child@x.org")
    assert tree(child.thread_id) == [("root@x.org", 0, True), ("child@x.org", 1, False)]
    archive(message("root@x.org", day=1))
    assert tree(child.thread_id) == [
        ("root@x.org", 0, False), ("child@x.org", 1, False)
    ]
    assert count(Post) == 2 and count(Thread) == 1


def test_late_parent_merges_threads_it_connects(app):
    archive(message("c@x.org", refs=["a@x.org"], day=3))
    archive(message("d@x.org", refs=["b@x.org"], day=4))
    assert count(Thread) == 2
    archive(message("b@x.org", refs=["a@x.org"], day=2))
    assert count(Thread) == 1
    assert tree(post("d@x.org").thread_id) == [
        ("a@x.org", 0, True), ("b@x.org", 1, False), ("d@x.org", 2, False),
        ("c@x.org", 1, False),
    ]
    assert db.session.scalar(select(func.count()).select_from(ThreadGroup)) == 1


def test_reply_loop_is_broken_without_hanging(app):
    archive(message("a@x.org", irt="b@x.org"), message("b@x.org", irt="a@x.org"))
    a, b = post("a@x.org"), post("b@x.org")
    assert a.thread_id == b.thread_id
    assert {a.parent_id, b.parent_id} & {None}
    assert sorted(d for _, d, _ in tree(a.thread_id)) == [0, 1]


def test_same_message_id_is_a_duplicate_listed_in_every_group(app):
    statuses = archive(message("x@y.org", groups=["sci.med"]),
                       message("x@y.org", groups=["misc.health"]))
    assert statuses == ["imported", "duplicate"]
    assert count(Post) == 1 and count(PostGroup) == 2
    names = db.session.scalars(select(Group.name).order_by(Group.name)).all()
    assert names == ["misc.health", "sci.med"]
    assert all(g.post_count == 1 for g in db.session.scalars(select(Group)))


@pytest.mark.parametrize(
    ("second_body", "expected"),
    [("same words\n", ["imported", "duplicate"]),
     ("same words\n\n", ["imported", "imported"])],
    ids=["identical-copy", "different-content"],
)
def test_weak_message_ids_are_told_apart_by_content(app, second_body, expected):
    statuses = archive(message("9704110718.AA02705@", body="same words\n"),
                       message("9704110718.AA02705@", body=second_body))
    assert statuses == expected


def test_missing_message_id_gets_a_deterministic_synthetic_id(app):
    first = archive(message(None, body="no id here"))
    again = archive(message(None, body="no id here"))
    assert (first, again) == (["imported"], ["duplicate"])
    stored = db.session.scalars(select(Post)).one()
    assert stored.is_synthetic_id and stored.message_id.endswith("@synthetic.invalid")


def test_reimport_adds_nothing(app):
    batch = [message("a@x.org"), message("b@x.org", irt="a@x.org"),
             message("c@x.org", refs=["zz@x.org"])]
    archive(*batch)
    before = (count(Post), count(Thread), count(PostGroup))
    assert archive(*batch) == ["duplicate"] * 3
    assert (count(Post), count(Thread), count(PostGroup)) == before


def test_no_archive_is_skipped_unless_overridden(app):
    assert archive(message("n@x.org", no_archive=True)) == ["skipped"]
    assert archive(message("n@x.org", no_archive=True),
                   honour_no_archive=False) == ["imported"]


def test_subject_threading_is_opt_in(app):
    archive(message("a@x.org", subject="Magnesium"),
            message("b@x.org", subject="Re: [list] AW: Magnesium", day=2))
    assert count(Thread) == 2
    archive(message("c@x.org", subject="答复: magnesium", day=3),
            thread_by_subject=True)
    assert post("c@x.org").thread_id == post("a@x.org").thread_id


def test_single_message_entry_point(app):
    result = archive_message(db.session, message("one@x.org"))
    db.session.commit()
    assert result.status == "imported"
    assert post("one@x.org").permalink == post("one@x.org").permalink.lower()
