"""Hiding, restoring and purging a post recount what the listings show.

Group and thread listings show counts of visible posts and the date of the
latest one; they are stored (forum.services.counters), so every change of a
post's visibility must recount them: the home page's group row, the group's
thread listing, the API and the author's post count.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Author, Group, Thread, ThreadGroup
from forum.services.moderation import flag_post
from forum.services.takedown_purge import purge_post
from tests.web.factories import ArchiveFactory

pytestmark = pytest.mark.search_backend("whoosh-ram")
DAY = datetime(2001, 3, 1, 12, 0)
GROUP = "sci.med.nutrition"
_NUM = re.compile(r'<td class="num"[^>]*>(\d+)</td>')
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(
    r'/\d{4}/\d{1,2}/"[^>]*>(\w+)</a>\s*<span class="small muted">\((\d+)\)')


@pytest.fixture
def archive(app):
    """Two threads: a root with two replies (days 1-3), and a lone post (day 5)."""
    create = ArchiveFactory(db.session)
    group = create.group(GROUP)
    ann, bo = create.author("Ann", "ann@example.org"), create.author("Bo", None)
    talk = create.thread("Magnesium and sleep")
    root = create.post(talk, [group], author=ann, date=DAY, body="Does it help?\n")
    first = create.post(talk, [group], parent=root, author=bo,
                        subject="Re: Magnesium and sleep", date=DAY + timedelta(days=1))
    last = create.post(talk, [group], parent=root, author=ann,
                       subject="Re: Magnesium and sleep", date=DAY + timedelta(days=2))
    lone = create.thread("Vitamin D dosing")
    only = create.post(lone, [group], author=bo, date=DAY + timedelta(days=4))
    db.session.commit()
    return {"talk": talk.id, "lone": lone.id, "root": root, "first": first,
            "last": last, "only": only, "ann": ann.id, "bo": bo.id}


def _shown(client) -> dict:
    """What readers are shown: the group's row, its listing, author counts."""
    (group,) = [g for g in client.get("/api/v1/groups").get_json()["groups"]
                if g["name"] == GROUP]
    listing = client.get(f"/api/v1/groups/{GROUP}/threads").get_json()
    db.session.expire_all()
    return {
        "posts": group["post_count"], "threads": group["thread_count"],
        "latest": group["last_post_at"],
        "listing": [(t["id"], t["post_count"], t["last_post_at"])
                    for t in listing["threads"]],
        "authors": dict(db.session.execute(select(Author.name, Author.post_count))
                        .all()),
    }


def _iso(days: int) -> str:
    return (DAY + timedelta(days=days)).isoformat() + "Z"


def _hide(auth, post):
    response = auth.post(f"/mod/p/{post.permalink}/hide",
                         {"reason": "spam", "why": "an advert"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def _restore(auth, post):
    response = auth.post(f"/mod/p/{post.permalink}/restore", {"why": "not spam"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def test_the_fixture_starts_consistent(app, client, archive):
    assert _shown(client) == {
        "posts": 4, "threads": 2, "latest": _iso(4),
        "listing": [(archive["lone"], 1, _iso(4)), (archive["talk"], 3, _iso(2))],
        "authors": {"Ann": 2, "Bo": 2}}


def test_hiding_a_reply_recounts_and_restoring_counts_it_again(
        app, client, auth, moderator, archive):
    before = _shown(client)
    auth.login("mara")
    _hide(auth, archive["last"])
    assert _shown(client) == {
        "posts": 3, "threads": 2, "latest": _iso(4),
        "listing": [(archive["lone"], 1, _iso(4)), (archive["talk"], 2, _iso(1))],
        "authors": {"Ann": 1, "Bo": 2}}
    thread = db.session.get(Thread, archive["talk"])
    assert (thread.post_count, thread.last_post_at) == (2, DAY + timedelta(days=1))
    page = client.get(f"/g/{GROUP}/").get_data(as_text=True)
    assert "2 threads" in page and _row(page, "Magnesium and sleep") == (
        "2", "2001-03-02")

    _restore(auth, archive["last"])
    assert _shown(client) == before
    assert _row(client.get(f"/g/{GROUP}/").get_data(as_text=True),
                "Magnesium and sleep") == ("3", "2001-03-03")


def test_hiding_a_threads_only_post_takes_the_thread_off_the_listings(
        app, client, auth, moderator, archive):
    before = _shown(client)
    auth.login("mara")
    _hide(auth, archive["only"])
    assert _shown(client) == {
        "posts": 3, "threads": 1, "latest": _iso(2),
        "listing": [(archive["talk"], 3, _iso(2))],
        "authors": {"Ann": 2, "Bo": 1}}
    assert db.session.get(ThreadGroup, (archive["lone"], _group_id())) is None
    page = client.get(f"/g/{GROUP}/").get_data(as_text=True)
    assert "1 thread" in page and "Vitamin D dosing" not in page
    home = client.get("/").get_data(as_text=True)
    assert _home_row(home) == ("1", "3", "2001-03-03")
    assert client.get(f"/t/{archive['lone']}/").status_code == 404

    assert _months(page) == [("March", "1")]

    _restore(auth, archive["only"])
    assert _shown(client) == before
    assert _home_row(client.get("/").get_data(as_text=True)) == (
        "2", "4", "2001-03-05")
    assert _months(client.get(f"/g/{GROUP}/").get_data(as_text=True)) == [
        ("March", "2")]
    assert client.get(f"/t/{archive['lone']}/").status_code == 200


def test_hiding_every_post_of_the_group_empties_its_counts(
        app, client, auth, moderator, archive):
    auth.login("mara")
    for name in ("root", "first", "last", "only"):
        _hide(auth, archive[name])
    shown = _shown(client)
    assert (shown["posts"], shown["threads"], shown["latest"], shown["listing"]) == (
        0, 0, None, [])
    assert shown["authors"] == {"Ann": 0, "Bo": 0}
    assert _months(client.get(f"/g/{GROUP}/").get_data(as_text=True)) == []


def test_a_post_hidden_by_reader_flags_is_uncounted(app, client, archive):
    flag_post(db.session, archive["only"], "spam", "", "reader-1", per_hour=5,
              hide_at=1)
    db.session.commit()
    shown = _shown(client)
    assert (shown["posts"], shown["threads"], shown["latest"]) == (3, 1, _iso(2))


def test_a_purged_post_is_uncounted(app, client, admin, archive):
    purge_post(db.session, admin, archive["last"], "legal", "a court order")
    db.session.commit()
    shown = _shown(client)
    assert shown["posts"] == 3
    assert (archive["talk"], 2, _iso(1)) in shown["listing"]


def _group_id() -> int:
    return db.session.scalar(select(Group.id).where(Group.name == GROUP))


def _row(page: str, subject: str) -> tuple[str, str]:
    """(posts, latest date) of a thread's row on the group page."""
    row = page.split(f">{subject}</a>", 1)[1].split("</tr>", 1)[0]
    return _NUM.findall(row)[0], _DATE.search(row).group(0)


def _home_row(page: str) -> tuple[str, str, str]:
    """(threads, posts, latest date) of the group's row on the home page."""
    row = page.split(f">{GROUP}</a>", 1)[1].split("</tr>", 1)[0]
    threads, posts = _NUM.findall(row)
    return threads, posts, _DATE.search(row).group(0)


def _months(page: str) -> list[tuple[str, str]]:
    """(month, threads started) in the group page's "By month" list."""
    return _MONTH.findall(page)
