"""Moderator thread tools on the real 2000 thread: move, split, merge, confirm.

The seed thread comes from a Google Groups copy, so every reply's parent was
inferred from attribution lines and quotes: ice witch's reply to Mark London
with 0.62 (an attribution line only), Stephanie Hall's reply to thai with
0.76.  The four magnesium web articles give other threads in another group.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import AuditEntry, Group, Post, Thread, ThreadGroup
from forum.permissions import MODERATOR, ROLE_PERMISSIONS, THREAD_EDIT, PermissionDenied
from forum.services.counters import refresh_counters
from forum.services.moderation import hide_post
from forum.services.search import search_posts, verify_index
from forum.services.thread_tools import (
    ThreadEditRejected,
    confirm_parent,
    merge,
    reattach,
    split,
)
from forum.services.threading import refresh_threads
from tests.evidence.conftest import csrf_token

pytestmark = pytest.mark.search_backend("whoosh-ram")
SAMPLES = Path(__file__).resolve().parents[2] / "samples"
FIBRO, ARTICLES = "alt.support.fibromyalgia", "articles.magnesium"
WITCH_WORDS = "finally stopped vomiting"  # only in ice witch's reply
THREAD_ACTIONS = ("post.reattach", "thread.split", "thread.merge",
                  "post.confirm_parent")


@pytest.fixture
def tree(seed_post) -> SimpleNamespace:
    """The seed thread's posts in tree order, named after their authors."""
    posts = db.session.scalars(select(Post).where(
        Post.thread_id == seed_post.thread_id).order_by(Post.thread_order)).all()
    assert [p.author.name for p in posts] == [
        "Mark London", "ice witch", "thai", "Stephanie A. Hall", "thai"]
    root, witch, thai, hall, thai2 = posts
    return SimpleNamespace(root=root, witch=witch, thai=thai, hall=hall, thai2=thai2,
                           thread=seed_post.thread_id)


@pytest.fixture
def article(app, import_sources, tree) -> Post:
    """The fmnetwork article, first post of a thread of its own in another group."""
    import_sources(*sorted(SAMPLES.glob("article-*.txt")), fmt="article",
                   group=ARTICLES)
    return db.session.scalar(select(Post).where(
        Post.subject == "Magnesium Treats Fibromyalgia Pain"))


def _shape(thread_id: int) -> list[tuple[str, str | None, int]]:
    """(author, parent's author, depth) of a thread's posts in stored order."""
    posts = db.session.scalars(select(Post).where(Post.thread_id == thread_id)
                               .order_by(Post.thread_order)).all()
    names = {p.id: p.author.name for p in posts}
    return [(p.author.name, names.get(p.parent_id), p.depth) for p in posts]


def _counts() -> dict[str, tuple[int, int]]:
    """Each group's (thread count, post count)."""
    return {g.name: (g.thread_count, g.post_count) for g in db.session.scalars(
        select(Group))}


def _stored() -> tuple:
    posts = db.session.execute(select(Post.id, Post.thread_id, Post.parent_id,
                                      Post.depth, Post.thread_order)).all()
    threads = db.session.execute(select(
        Thread.id, Thread.subject, Thread.root_post_id, Thread.post_count,
        Thread.first_post_at, Thread.last_post_at)).all()
    listings = db.session.execute(select(
        ThreadGroup.thread_id, ThreadGroup.group_id, ThreadGroup.post_count,
        ThreadGroup.last_post_at)).all()
    groups = db.session.execute(select(
        Group.id, Group.post_count, Group.thread_count, Group.last_post_at)).all()
    return tuple(sorted(rows) for rows in (posts, threads, listings, groups))


def assert_counters_hold() -> None:
    """Every stored order, summary and counter equals a recount from the rows."""
    db.session.commit()
    before = _stored()
    refresh_threads(db.session, db.session.scalars(select(Thread.id)))
    refresh_counters(db.session, db.session.scalars(select(Group.id)), [])
    db.session.commit()
    assert _stored() == before
    report = verify_index(db.session)
    assert (report.missing, report.stale, report.extra) == ([], [], [])


def _actions() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.action.in_(THREAD_ACTIONS)).order_by(AuditEntry.id)))


def _found(query: str) -> set[int]:
    return {p.id for p in search_posts(db.session, query, per_page=50).posts}


# -- the services ------------------------------------------------------------------


def test_reattach_moves_a_reply_and_its_replies_to_another_thread(
        app, tree, article, moderator):
    moved = reattach(db.session, moderator, tree.thai, article, "belongs there")
    db.session.commit()
    assert [p.id for p in moved] == [tree.thai.id, tree.hall.id, tree.thai2.id]
    assert _shape(tree.thread) == [("Mark London", None, 0),
                                   ("ice witch", "Mark London", 1)]
    assert _shape(article.thread_id) == [
        ("joshua (fmnetnews)", None, 0), ("thai", "joshua (fmnetnews)", 1),
        ("Stephanie A. Hall", "thai", 2), ("thai", "Stephanie A. Hall", 3)]
    thai = db.session.get(Post, tree.thai.id)
    assert thai.parent_confidence == 1.0
    assert thai.parent_evidence.startswith("placed here by a moderator on ")
    hall = db.session.get(Post, tree.hall.id)
    assert hall.parent_confidence == 0.76  # its own parent did not change
    assert (db.session.get(Thread, tree.thread).post_count,
            db.session.get(Thread, article.thread_id).post_count) == (2, 4)
    # The article's thread now also shows in the Usenet group.
    assert _counts() == {FIBRO: (2, 5), ARTICLES: (4, 4)}
    entry, = _actions()
    assert (entry.action, entry.actor_name, entry.post_id, entry.why) == (
        "post.reattach", "mara", tree.thai.id, "belongs there")
    assert entry.before == {"thread_id": tree.thread, "parent_id": tree.root.id,
                            "parent_permalink": tree.root.permalink,
                            "parent_confidence": 0.98}
    assert entry.after["parent_id"] == article.id and entry.after["moved_posts"] == 3
    assert "quotes" not in str(entry.before)  # evidence text stays out of the log
    assert_counters_hold()
    assert _found(f"thread:{article.thread_id}") == {
        article.id, tree.thai.id, tree.hall.id, tree.thai2.id}
    assert _found(f"thread:{tree.thread}") == {tree.root.id, tree.witch.id}


def test_reattach_inside_a_thread_reorders_it_by_the_new_tree(app, tree, moderator):
    reattach(db.session, moderator, tree.witch, tree.hall)
    db.session.commit()
    # Stephanie's replies by date: ice witch (10 Oct) before thai (12 Oct).
    assert _shape(tree.thread) == [
        ("Mark London", None, 0), ("thai", "Mark London", 1),
        ("Stephanie A. Hall", "thai", 2), ("ice witch", "Stephanie A. Hall", 3),
        ("thai", "Stephanie A. Hall", 3)]
    assert _counts() == {FIBRO: (1, 5)}
    assert_counters_hold()


@pytest.mark.parametrize(("moved", "parent", "message"), [
    ("thai", "thai", "cannot reply to itself"),
    ("thai", "thai2", "one of its own replies"),
    ("thai", "hall", "one of its own replies"),
    ("witch", "root", "already replies to that message"),
])
def test_reattach_refuses_loops_and_no_ops(app, tree, moderator, moved, parent,
                                           message):
    before = _stored()
    with pytest.raises(ThreadEditRejected, match=message):
        reattach(db.session, moderator, getattr(tree, moved), getattr(tree, parent))
    db.session.rollback()
    assert _stored() == before and _actions() == []


def test_the_tools_need_the_permission(app, tree, moderator, monkeypatch):
    for tool, args in ((reattach, (tree.thai, tree.witch)), (split, (tree.thai,)),
                       (confirm_parent, (tree.witch,))):
        with pytest.raises(PermissionDenied):
            tool(db.session, None, *args)
    monkeypatch.setitem(ROLE_PERMISSIONS, "moderator", MODERATOR - {THREAD_EDIT})
    thread = db.session.get(Thread, tree.thread)
    with pytest.raises(PermissionDenied):
        merge(db.session, moderator, thread, thread)
    with pytest.raises(PermissionDenied):
        reattach(db.session, moderator, tree.thai, tree.witch)
    assert _actions() == []


def test_moving_a_whole_thread_deletes_the_empty_one(app, client, tree, article,
                                                    moderator):
    old = article.thread_id
    reattach(db.session, moderator, article, tree.root)
    db.session.commit()
    assert db.session.get(Thread, old) is None
    assert db.session.scalar(select(ThreadGroup).where(
        ThreadGroup.thread_id == old)) is None
    assert _counts() == {FIBRO: (1, 5), ARTICLES: (4, 4)}
    assert _actions()[0].after["deleted_thread"] == old
    assert client.get(f"/t/{old}/").status_code == 404
    listing = client.get(f"/g/{ARTICLES}/").get_data(as_text=True)
    assert f"/t/{old}/" not in listing and f"/t/{tree.thread}/" in listing
    assert_counters_hold()


def test_split_makes_a_post_and_its_replies_a_thread(app, tree, moderator):
    thread = split(db.session, moderator, tree.thai, "a new question")
    db.session.commit()
    assert thread.subject == tree.thai.subject
    assert thread.subject.startswith("Re: MUSCLE SPASMS")
    assert (thread.root_post_id, thread.post_count) == (tree.thai.id, 3)
    assert _shape(thread.id) == [("thai", None, 0), ("Stephanie A. Hall", "thai", 1),
                                 ("thai", "Stephanie A. Hall", 2)]
    thai = db.session.get(Post, tree.thai.id)
    assert thai.parent_confidence is None and thai.parent_evidence is None
    assert db.session.get(Thread, tree.thread).post_count == 2
    assert _counts() == {FIBRO: (2, 5)}
    entry, = _actions()
    assert entry.action == "thread.split" and entry.after["thread_id"] == thread.id
    assert entry.before["parent_id"] == tree.root.id
    assert_counters_hold()
    assert _found(f"thread:{thread.id}") == {tree.thai.id, tree.hall.id,
                                             tree.thai2.id}


def test_split_refuses_to_take_the_whole_thread(app, tree, moderator):
    with pytest.raises(ThreadEditRejected, match="whole thread"):
        split(db.session, moderator, tree.root)


def test_merge_hangs_the_thread_under_the_target_root(app, tree, article, moderator):
    old = article.thread_id
    tops = merge(db.session, moderator, db.session.get(Thread, old),
                 db.session.get(Thread, tree.thread), "same discussion")
    db.session.commit()
    assert [p.id for p in tops] == [article.id]
    assert db.session.get(Thread, old) is None
    assert _shape(tree.thread)[-1] == ("joshua (fmnetnews)", "Mark London", 1)
    assert db.session.get(Post, article.id).parent_confidence == 1.0
    assert db.session.get(Thread, tree.thread).post_count == 6
    assert _counts() == {FIBRO: (1, 5), ARTICLES: (4, 4)}
    # The seed thread is now listed in the articles group, the old one nowhere.
    assert {row.group_id for row in db.session.scalars(select(ThreadGroup).where(
        ThreadGroup.thread_id == tree.thread))} == set(db.session.scalars(
            select(Group.id)))
    entry, = _actions()
    assert (entry.action, entry.target_id, entry.post_id) == ("thread.merge", old,
                                                              article.id)
    assert entry.before["top_post_ids"] == [article.id]
    assert_counters_hold()
    assert article.id in _found(f"thread:{tree.thread}")


def test_a_split_undone_by_a_merge_restores_the_tree(app, tree, moderator):
    shape = _shape(tree.thread)
    thread = split(db.session, moderator, tree.thai)
    merge(db.session, moderator, thread, db.session.get(Thread, tree.thread))
    db.session.commit()
    assert _shape(tree.thread) == shape
    assert _counts() == {FIBRO: (1, 5)}
    with pytest.raises(ThreadEditRejected, match="into itself"):
        merge(db.session, moderator, db.session.get(Thread, tree.thread),
              db.session.get(Thread, tree.thread))
    assert [e.action for e in _actions()] == ["thread.split", "thread.merge"]
    assert_counters_hold()


# -- the pages ---------------------------------------------------------------------


def _tools_section(html: str) -> str:
    found = re.search(r'<section id="thread-tools".*?</section>', html, re.S)
    assert found, "no thread tools on the page"
    return found.group(0)


def test_the_moderator_page_shows_how_sure_an_inferred_parent_is(
        app, client, auth, tree, moderator):
    auth.login("mara")
    witch = _tools_section(client.get(f"/mod/p/{tree.witch.permalink}/")
                           .get_data(as_text=True))
    assert "confidence 0.62</strong> (low: no quoted text confirmed it)" in witch
    assert "Evidence: attribution &#34;Mark London &lt;m...@psfc.mit.edu&gt;" in witch
    assert f'href="/mod/p/{tree.root.permalink}/"' in witch
    hall = _tools_section(client.get(f"/mod/p/{tree.hall.permalink}/")
                          .get_data(as_text=True))
    assert "confidence 0.76</strong>." in hall and "(low" not in hall
    assert "quotes 1 line of thai&#39;s post" in hall
    root = _tools_section(client.get(f"/mod/p/{tree.root.permalink}/")
                          .get_data(as_text=True))
    assert "Starts the thread." in root and "Split the thread here" not in root
    assert "4 replies below this post" in root


def test_only_moderators_see_the_weak_parent_marker(app, client, auth, tree,
                                                    moderator):
    thread = f"/t/{tree.thread}/"
    public = client.get(thread).get_data(as_text=True)
    assert "check-parent" not in public and "/mod/" not in public
    assert 'title="confidence 0.62">reply inferred, possible' in public  # everyone
    auth.login("mara")
    marked = re.findall(r'check-parent"><a href="/mod/p/(\w+)/#thread-tools"',
                        client.get(thread).get_data(as_text=True))
    assert marked == [tree.witch.permalink]
    response = auth.post(f"/mod/p/{tree.witch.permalink}/confirm-parent", {})
    assert response.status_code == 302
    assert "check-parent" not in client.get(thread).get_data(as_text=True)
    page = _tools_section(client.get(response.location).get_data(as_text=True))
    assert "Parent placed here by a moderator on" in page and "0.62" not in page
    assert _actions()[0].before["parent_confidence"] == 0.62


def test_a_moderator_moves_splits_and_merges_through_the_forms(
        app, client, auth, tree, article, moderator):
    auth.login("mara")
    response = auth.post(f"/mod/p/{tree.witch.permalink}/reattach", {
        "parent": f"http://localhost/t/{tree.thread}/#p-{tree.thai2.permalink}",
        "why": "answers thai"})
    assert response.status_code == 302
    assert response.location.endswith(f"/mod/p/{tree.witch.permalink}/#thread-tools")
    assert "Moved 1 post under the new parent." in client.get(
        response.location).get_data(as_text=True)
    assert _shape(tree.thread)[-1] == ("ice witch", "thai", 4)

    response = auth.post(f"/mod/p/{tree.hall.permalink}/split", {"why": "new topic"})
    assert response.status_code == 302
    split_off = db.session.get(Post, tree.hall.id).thread_id
    assert split_off != tree.thread
    assert [a for a, _, _ in _shape(split_off)] == ["Stephanie A. Hall", "thai",
                                                    "ice witch"]

    response = auth.post(f"/mod/p/{article.permalink}/merge",
                         {"into": f"http://localhost/t/{split_off}/"})
    assert response.status_code == 302
    response = auth.post(f"/mod/p/{tree.hall.permalink}/merge",
                         {"into": f" {tree.thread} "})
    assert response.status_code == 302
    assert {db.session.get(Post, p.id).thread_id for p in (
        tree.root, tree.hall, tree.witch, article)} == {tree.thread}
    assert [e.action for e in _actions()] == [
        "post.reattach", "thread.split", "thread.merge", "thread.merge"]
    assert _actions()[0].why == "answers thai"
    assert_counters_hold()


@pytest.mark.parametrize(("who", "action", "data", "message"), [
    ("thai", "reattach", {"parent": "the first post"}, "permalink or a URL"),
    ("thai", "reattach", {"parent": "/p/" + "a" * 32 + "/"},
     "There is no such message"),
    ("thai", "reattach", {"parent": "{thai2}"}, "one of its own replies"),
    ("thai", "reattach", {}, "permalink or a URL"),
    ("root", "split", {}, "nothing to split off"),
    ("thai", "merge", {"into": "thread seven"}, "thread&#39;s number"),
    ("thai", "merge", {"into": "999999999"}, "There is no thread 999999999"),
    ("thai", "merge", {"into": "/t/{thread}/"}, "into itself"),
    ("root", "confirm-parent", {}, "Only a parent the importer inferred"),
])
def test_refusals_come_back_as_a_400_page(app, client, auth, tree, moderator, who,
                                          action, data, message):
    auth.login("mara")
    before = _stored()
    values = {"thai2": tree.thai2.permalink, "thread": tree.thread}
    response = auth.post(f"/mod/p/{getattr(tree, who).permalink}/{action}",
                         {k: v.format(**values) for k, v in data.items()})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert '<p class="form-error" role="alert">' in html and message in html
    assert 'id="thread-tools"' in html
    assert _stored() == before and _actions() == []


@pytest.mark.parametrize("action", ["reattach", "split", "merge", "confirm-parent"])
def test_who_may_use_the_forms(app, client, auth, tree, moderator, monkeypatch,
                               action):
    path = f"/mod/p/{tree.thai.permalink}/{action}"
    data = {"parent": tree.witch.permalink, "into": "1"}
    before = _stored()
    anonymous = client.post(path, data={**data, "csrf_token": csrf_token(client)})
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    auth.login("mara")
    assert client.post(path, data=data).status_code == 400  # no CSRF token
    assert auth.post(f"/mod/p/{'a' * 32}/{action}", data).status_code == 404
    monkeypatch.setitem(ROLE_PERMISSIONS, "moderator", MODERATOR - {THREAD_EDIT})
    assert auth.post(path, data).status_code == 403
    page = client.get(f"/mod/p/{tree.thai.permalink}/").get_data(as_text=True)
    assert 'id="thread-tools"' not in page
    assert _stored() == before and _actions() == []


def test_a_hidden_post_leaks_through_nothing_the_tools_show(
        app, client, auth, tree, moderator):
    hide_post(db.session, moderator, tree.witch, "other")
    db.session.commit()
    auth.login("mara")
    # Stephanie's reply (and thai's below it) moved under the hidden post ...
    assert auth.post(f"/mod/p/{tree.hall.permalink}/reattach",
                     {"parent": tree.witch.permalink}).status_code == 302
    section = _tools_section(client.get(f"/mod/p/{tree.hall.permalink}/")
                             .get_data(as_text=True))
    assert ">a hidden post</a>" in section
    assert "ice witch" not in section and WITCH_WORDS not in section
    # ... and the hidden post split off with them into a thread of its own.
    assert auth.post(f"/mod/p/{tree.witch.permalink}/split", {}).status_code == 302
    new = db.session.get(Post, tree.witch.id).thread_id
    assert db.session.get(Thread, new).post_count == 2
    marked = client.get(f"/t/{new}/").get_data(as_text=True)
    assert WITCH_WORDS not in marked and "[hidden post]" in marked
    auth.logout()
    public = {
        "thread": f"/t/{new}/", "flat": f"/t/{new}/?view=flat",
        "old thread": f"/t/{tree.thread}/", "group": f"/g/{FIBRO}/",
        "api thread": f"/api/v1/threads/{new}", "thread feed": f"/t/{new}/feed.atom",
        "search": "/search?q=vomiting", "api search": "/api/v1/search?q=vomiting",
        "moved reply": f"/p/{tree.hall.permalink}/",
    }
    for name, url in public.items():
        response = client.get(url)
        text = response.get_data(as_text=True)
        assert response.status_code in (200, 404), name
        assert WITCH_WORDS not in text and tree.witch.permalink not in text, name
        assert "/mod/" not in text and "check-parent" not in text, name
    assert "[hidden post]" in client.get(f"/t/{new}/").get_data(as_text=True)
    assert _counts() == {FIBRO: (2, 4)}
