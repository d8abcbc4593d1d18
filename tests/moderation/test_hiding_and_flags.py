"""Hiding and restoring posts, reader flags, and what a hidden post leaves behind."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import AuditEntry, Flag, Post
from forum.services.moderation import (
    ModerationRejected,
    hide_post,
    resolve_flag,
    restore_post,
)
from tests.evidence.conftest import csrf_token

pytestmark = pytest.mark.search_backend("whoosh-ram")
SECRET_WORD = "extremely"  # in the seed post's body, and in no other post


def _flag(client, post, reason="misinformation", **extra):
    token = csrf_token(client, f"/p/{post.permalink}/")
    return client.post(f"/p/{post.permalink}/flag",
                       data={"reason": reason, "text": "please check",
                             "csrf_token": token, **extra})


def _reply(post) -> Post:
    return db.session.scalar(select(Post).where(Post.parent_id == post.id).limit(1))


def test_a_reader_flags_a_post_without_an_account(app, client, seed_post):
    response = _flag(client, seed_post)
    assert response.status_code == 302
    flag = db.session.scalar(select(Flag))
    assert (flag.post_id, flag.reason, flag.status) == (seed_post.id,
                                                       "misinformation", "pending")
    assert len(flag.client) == 32 and "127.0.0.1" not in flag.client
    page = client.get(response.location).get_data(as_text=True)
    assert "Thank you. A moderator will look at this post." in page


def test_the_honeypot_and_bad_input_store_nothing(app, client, seed_post):
    assert _flag(client, seed_post, website="http://spam.example").status_code == 302
    assert _flag(client, seed_post, reason="because").status_code == 400
    assert client.post(f"/p/{seed_post.permalink}/flag",
                       data={"reason": "spam"}).status_code == 400  # no CSRF token
    assert db.session.scalar(select(Flag)) is None


def test_flags_are_rate_limited_per_client(app, client, seed_post):
    app.config["FORUM_FLAG_HIDE_THRESHOLD"] = 0
    for _ in range(5):
        assert _flag(client, seed_post).status_code == 302
    refused = _flag(client, seed_post)
    assert refused.status_code == 429
    assert "try again later" in refused.get_data(as_text=True)
    assert len(db.session.scalars(select(Flag)).all()) == 5


def test_enough_pending_flags_hide_the_post_as_a_system_action(app, client,
                                                                seed_post):
    for _ in range(3):
        _flag(client, seed_post)
    db.session.refresh(seed_post)
    assert seed_post.is_hidden
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "post.hide"))
    assert entry.actor_id is None and entry.actor_name == "system"
    assert entry.reason == "flags" and entry.why == "3 reader flags pending review"
    assert client.get(f"/p/{seed_post.permalink}/").status_code == 404


def test_hidden_posts_leave_no_trace_for_readers(app, client, auth, seed_post,
                                                 moderator):
    reply = _reply(seed_post)
    author_page = f"/a/{seed_post.author.slug}/"
    public = {
        "thread": f"/t/{seed_post.thread_id}/",
        "flat thread": f"/t/{seed_post.thread_id}/?view=flat",
        "group": "/g/alt.support.fibromyalgia/",
        "author": author_page,
        "search": f"/search?q={SECRET_WORD}",
        "search feed": f"/search/feed.atom?q={SECRET_WORD}",
        "api search": f"/api/v1/search?q={SECRET_WORD}",
        "api thread": f"/api/v1/threads/{seed_post.thread_id}",
        "reply": f"/p/{reply.permalink}/",
    }
    before = {name: client.get(url).get_data(as_text=True)
              for name, url in public.items()}
    assert all(seed_post.permalink in before[name] for name in
               ("thread", "search", "api search", "reply"))
    hide_post(db.session, moderator, seed_post, "other", "testing")
    db.session.commit()
    assert client.get(f"/p/{seed_post.permalink}/").status_code == 404
    assert client.get(f"/api/v1/posts/{seed_post.permalink}").status_code == 404
    for name, url in public.items():
        response = client.get(url)
        assert response.status_code in (200, 404), name
        text = response.get_data(as_text=True)
        assert seed_post.permalink not in text, name
        assert "Even loud noises can extra magnesium loss" not in text, name
    thread = client.get(public["thread"]).get_data(as_text=True)
    assert "[hidden post]" in thread and reply.permalink in thread
    auth.login("mara")
    moderator_view = client.get(f"/mod/p/{seed_post.permalink}/").get_data(
        as_text=True)
    assert "Hidden from readers" in moderator_view and "mara" in moderator_view


def test_hide_and_restore_need_reasons_and_are_audited(app, client, seed_post,
                                                       moderator):
    with pytest.raises(ModerationRejected, match="Choose a reason"):
        hide_post(db.session, moderator, seed_post, "", "")
    hide_post(db.session, moderator, seed_post, "spam")
    with pytest.raises(ModerationRejected, match="already hidden"):
        hide_post(db.session, moderator, seed_post, "spam")
    with pytest.raises(ModerationRejected, match="Say why"):
        restore_post(db.session, moderator, seed_post, " ")
    restore_post(db.session, moderator, seed_post, "not spam after all")
    db.session.commit()
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.post_id == seed_post.id).order_by(AuditEntry.id)).all()
    assert actions == ["post.hide", "post.restore"]
    assert client.get(f"/p/{seed_post.permalink}/").status_code == 200
    assert seed_post.permalink in client.get(
        f"/search?q={SECRET_WORD}").get_data(as_text=True)


def test_moderators_resolve_flags_once_with_an_outcome(app, client, auth,
                                                       seed_post, moderator):
    _flag(client, seed_post)
    flag = db.session.scalar(select(Flag))
    auth.login("mara")
    queue = client.get("/mod/").get_data(as_text=True)
    assert 'id="flagged"' in queue and seed_post.permalink in queue
    response = auth.post(f"/mod/flags/{flag.id}/resolve",
                         {"outcome": "disagreed", "note": "sourced claim"})
    assert response.status_code == 302
    db.session.refresh(flag)
    assert (flag.status, flag.outcome, flag.resolved_by_id) == (
        "disagreed", "sourced claim", moderator.id)
    with pytest.raises(ModerationRejected, match="already resolved"):
        resolve_flag(db.session, moderator, flag, "agreed")
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "flag.resolve"))
    assert entry.reason == "disagreed" and entry.actor_name == "mara"


def test_is_flagged_finds_waiting_flags_for_moderators_only(app, client, auth,
                                                            seed_post, moderator):
    other = db.session.scalar(select(Post).where(
        Post.id != seed_post.id, Post.is_ghost.is_(False)).limit(1))
    _flag(client, seed_post)
    reader = client.get("/search?q=is:flagged")
    assert reader.status_code == 400
    assert "only moderators see" in reader.get_data(as_text=True)
    assert client.get("/api/v1/search?q=is:flagged").status_code == 400
    auth.login("mara")
    found = client.get("/search?q=is:flagged").get_data(as_text=True)
    assert seed_post.permalink in found and other.permalink not in found
    assert "flagged by a reader" in found
    api = client.get("/api/v1/search?q=is:flagged").get_json()
    assert [hit["permalink"] for hit in api["results"]] == [seed_post.permalink]
    flag = db.session.scalar(select(Flag))
    auth.post(f"/mod/flags/{flag.id}/resolve", {"outcome": "agreed", "note": ""})
    assert client.get("/api/v1/search?q=is:flagged").get_json()["total"] == 0
