"""Forum JSON exports (patient.info): ids, parents, bodies, dates, whole imports."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Group, Post, Thread
from importers.base import ImportProblem, IncomingMessage
from importers.detect import UnknownFormat, detect_format, iter_source
from importers.forum_json import (
    BEFORE_PARENT_NOTE,
    board_group,
    iter_forum_json,
    parse_posted,
)
from tests.helpers import corpus

DATA = Path(__file__).resolve().parents[1] / "data"
EXPORT = ("forum-patientinfo", "patient-info_forums.json")


def posts(name: str) -> list[IncomingMessage]:
    items = list(iter_forum_json(DATA / name))
    assert all(isinstance(item, IncomingMessage) for item in items)
    return items


def at(name: str, position: str) -> IncomingMessage:
    [found] = [p for p in posts(name) if p.position.endswith(position)]
    return found


@pytest.mark.parametrize(
    ("board", "group"),
    [
        ("https://patient.info/forums/discuss/browse/reactive-arthritis-1981",
         "patient.info/reactive-arthritis"),
        ("https://patient.info/forums/discuss/browse/scleritis-and-episcleritis-2084",
         "patient.info/scleritis-and-episcleritis"),
        ("https://www.example.org/", "example.org"),
        ("Reactive arthritis", "reactive-arthritis"),
    ],
)
def test_board_urls_name_groups(board, group):
    assert board_group(board) == group


@pytest.mark.parametrize(
    ("value", "date", "note"),
    [
        ("2020-02-22T02:55+00:00", datetime(2020, 2, 22, 2, 55), None),
        ("2008-03-04T10:00+01:00", datetime(2008, 3, 4, 9, 0), None),
        ("2008-03-04T10:00", datetime(2008, 3, 4, 10, 0), "no time zone, UTC assumed"),
        ("Tue, 4 Mar 2008 10:00:00 +0000", datetime(2008, 3, 4, 10, 0), None),
        ("", None, "no date posted"),
        ("1970-01-01T00:00+00:00", None, "date out of range '1970-01-01T00:00+00:00'"),
    ],
)
def test_dates_become_naive_utc(value, date, note):
    assert parse_posted(value) == (date, note)


@pytest.mark.parametrize(
    ("name", "position", "field", "expected"),
    [
        ("forum-json-reply-before-parent.json", "thread 1 reply 1", "date_note",
         BEFORE_PARENT_NOTE),
        ("forum-json-reply-before-parent.json", "thread 1 reply 2", "date_note",
         BEFORE_PARENT_NOTE),
        ("forum-json-reply-before-parent.json", "thread 1 reply 2.1", "date_note",
         None),
        ("forum-json-reply-before-parent.json", "thread 1", "subject",
         "Recurrent Reactive Arthritis"),
        ("forum-json-reply-before-parent.json", "thread 1 reply 2.1", "subject",
         "Re: Recurrent Reactive Arthritis"),
        ("forum-json-guest-user.json", "thread 1 reply 1", "author_name", "Guest"),
        ("forum-json-guest-user.json", "thread 1 reply 1", "author_email", None),
        ("forum-json-html-post.json", "thread 1", "body_html", None),
        ("forum-json-nested-replies.json", "thread 1 reply 1.1", "parent_confidence",
         1.0),
        ("forum-json-nested-replies.json", "thread 1", "parent_confidence", None),
        ("forum-json-nested-replies.json", "thread 1", "source_url",
         "https://patient.info/forums/discuss/has-anyone-got-into-remission--587797"),
        ("forum-json-nested-replies.json", "thread 1 reply 1", "groups",
         ["patient.info/scleritis-and-episcleritis"]),
        ("forum-json-crlf-nbsp.json", "thread 1", "date",
         datetime(2016, 1, 8, 0, 13)),
    ],
)
def test_post_fields(name, position, field, expected):
    assert getattr(at(name, position), field) == expected


@pytest.mark.parametrize(
    ("name", "position", "inside", "absent"),
    [
        ("forum-json-html-post.json", "thread 1 reply 1",
         "I've been dealing with it for 11-12 years.", ("<p>", "&#", "\xa0")),
        ("forum-json-crlf-nbsp.json", "thread 1 reply 1",
         "No one that have had urethritis", ("\r", "\xa0")),
        ("forum-json-phpbb-markup.json", "thread 1 reply 4",
         "Flo wrote:\n> The worst part is feeling that the specialists",
         ("[quote", "[/quote", "&quot;", '\\"')),
        ("forum-json-phpbb-markup.json", "thread 1 reply 4",
         'the doctor just said "let\'s try this and see if it works..."', ("\r",)),
        ("forum-json-phpbb-markup.json", "thread 1 reply 1",
         "I too have been diagnosed with scleritis", ("[b:", "[/b:")),
    ],
)
def test_post_bodies(name, position, inside, absent):
    post = at(name, position)
    assert inside in post.body_text
    assert not [text for text in absent if text in post.body_text]


def test_html_posts_keep_their_markup_for_the_sanitiser():
    source = json.loads((DATA / "forum-json-html-post.json").read_text("utf-8"))
    [[thread]] = source.values()
    reply = at("forum-json-html-post.json", "thread 1 reply 1")
    assert reply.body_html == thread["replies"][0]["post"]
    assert "&#39;" in reply.body_html and "<p>" in reply.body_html


def test_replies_name_their_parent_by_its_deterministic_id():
    first, second = posts("forum-json-nested-replies.json"), posts(
        "forum-json-nested-replies.json")
    assert [p.message_id for p in first] == [p.message_id for p in second]
    root, reply, nested = first
    assert all(p.synthetic_id for p in first)
    assert (reply.in_reply_to, nested.in_reply_to) == (root.message_id,
                                                       reply.message_id)
    assert root.in_reply_to is None


def test_the_same_post_twice_in_one_place_has_one_id():
    replies = posts("forum-json-duplicate-post.json")
    copies = [p for p in replies if p.body_text.startswith("Hello,\n\nBe careful")]
    assert [p.position[-7:] for p in copies] == ["reply 3", "reply 4"]
    assert copies[0].message_id == copies[1].message_id
    # The reply to the second copy hangs under the first one.
    assert at("forum-json-duplicate-post.json", "reply 4.1").in_reply_to == (
        copies[0].message_id)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("forum-json-not-a-forum-export.json",
         "not a forum export: expected {board_url: [thread, ...]}"),
        ("forum-json-truncated.json", "not valid JSON: Unterminated string"),
    ],
)
def test_files_that_are_not_forum_exports(name, reason):
    [problem] = iter_source(DATA / name, "forum-json")
    assert isinstance(problem, ImportProblem)
    assert problem.kind == "quarantined" and problem.reason.startswith(reason)
    with pytest.raises(UnknownFormat):
        detect_format(DATA / name)


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in DATA.glob("forum-json-*.json")
           if "not-a" not in p.name and "truncated" not in p.name),
)
def test_detects_forum_exports(name):
    assert detect_format(DATA / name) == "forum-json"


def test_import_keeps_replies_under_a_later_parent(import_sources):
    report = import_sources(DATA / "forum-json-reply-before-parent.json")
    assert (report.read, report.imported, report.threads) == (8, 8, 1)
    rows = db.session.scalars(select(Post).order_by(Post.thread_order)).all()
    assert [row.depth for row in rows] == [0, 1, 1, 2, 2, 2, 2, 2]
    assert rows[0].date > rows[1].date
    assert sum(row.date_note == BEFORE_PARENT_NOTE for row in rows) == 2


def test_import_counts_a_double_post_as_a_duplicate(import_sources):
    report = import_sources(DATA / "forum-json-duplicate-post.json")
    assert (report.read, report.imported, report.duplicates) == (6, 5, 1)
    again = import_sources(DATA / "forum-json-duplicate-post.json")
    assert (again.imported, again.duplicates) == (0, 6)


def walk(post: dict, thread: str, parent: int | None):
    yield thread, parent, post
    for reply in post.get("replies", []):
        yield from walk(reply, thread, id(post))


@pytest.mark.corpus
def test_what_counts_as_a_duplicate_in_the_export():
    """SOURCES.md's 10 "exact duplicates" are 10 surplus copies of (user, text)
    anywhere in the file. 5 of them are one user's question pasted into 6
    different threads: a reader of each thread must still see it there.
    Within a thread 5 remain, of which 3 sit under the same parent (the same
    post submitted twice); the 2 others answer different people. Only those 3
    are duplicates for the archive."""
    data = json.loads(corpus(*EXPORT).read_text("utf-8"))
    rows = [(thread, parent, post["user"], post["post"])
            for threads in data.values() for t in threads
            for thread, parent, post in walk(t, t["url"], None)]

    def surplus(key) -> int:
        return sum(n - 1 for n in Counter(map(key, rows)).values())

    assert surplus(lambda r: r[2:]) == 10
    assert surplus(lambda r: (r[0], *r[2:])) == 5
    assert surplus(lambda r: r) == 3


@pytest.mark.corpus
def test_patient_info_export(import_sources):
    report = import_sources(corpus(*EXPORT))
    assert report.balanced()
    assert (report.read, report.threads) == (865, 122)
    assert (report.imported, report.duplicates) == (862, 3)
    assert (report.quarantined, report.skipped) == (0, 0)
    groups = db.session.scalars(select(Group.name).order_by(Group.name)).all()
    assert groups == ["patient.info/reactive-arthritis",
                      "patient.info/scleritis-and-episcleritis"]
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 122
    flagged = select(func.count()).where(Post.date_note == BEFORE_PARENT_NOTE)
    assert db.session.scalar(flagged) == 48
    # Every reply hangs under its real parent: no ghosts were needed.
    assert db.session.scalar(select(func.count()).where(Post.is_ghost)) == 0
    replies = select(func.count()).where(Post.parent_id.is_not(None))
    assert db.session.scalar(replies) == 862 - 122
    again = import_sources(corpus(*EXPORT))
    assert (again.imported, again.duplicates, again.threads) == (0, 865, 0)
