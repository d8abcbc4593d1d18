"""Redaction, author takedown and purge on the real 2000 thread."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import (
    AuditEntry,
    Author,
    ClaimHint,
    ContentChange,
    FieldOriginal,
    Label,
    Post,
    PostCitation,
    PostSource,
    Tombstone,
)
from forum.permissions import PermissionDenied
from forum.services.evidence import label_post
from forum.services.takedown_authors import pseudonymise_author
from forum.services.takedown_purge import purge_post
from forum.services.takedown_reasons import TakedownRejected
from forum.services.takedowns import (
    changed_post_ids,
    changes_on,
    redact_post,
    revert_change,
)
from tests.evidence.conftest import csrf_token

pytestmark = pytest.mark.search_backend("whoosh-ram")
PHRASE = "facial tics, only doing so on my own after neurologists"
CLAIM = "I personally started taking magnesium for spasms and facial tics"


def _post_by(name: str) -> Post:
    return db.session.scalar(select(Post).join(Author).where(Author.name == name)
                             .order_by(Post.date, Post.id).limit(1))


def _posts_by(name: str) -> list[Post]:
    return list(db.session.scalars(select(Post).join(Author)
                                   .where(Author.name == name).order_by(Post.id)))


def test_a_redaction_rewrites_the_post_and_every_copy_of_its_words(
        app, client, seed_post, moderator):
    label = label_post(db.session, moderator, seed_post, "unsupported",
                       "An anecdote.", exact=CLAIM)
    body_before = seed_post.body_text
    change = redact_post(db.session, moderator, seed_post, PHRASE,
                         "personal_information", "names his doctors")
    db.session.commit()
    assert "neurologists" not in seed_post.body_text
    assert "spasms and [redacted] simply told me" in " ".join(
        seed_post.body_text.split())
    assert label.exact.endswith("spasms and [redacted]") and "tics" not in label.exact
    for hint in db.session.scalars(select(ClaimHint).where(
            ClaimHint.post_id == seed_post.id)):
        assert "neurologists" not in hint.text and "facial" not in hint.text
    kept = db.session.get(FieldOriginal, ("posts", seed_post.id, "body_text"))
    assert kept.original == body_before
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "post.redact"))
    assert (entry.target_id, entry.reason) == (change.id, "personal_information")
    assert "neurologists" not in str(entry.before) + str(entry.after) + entry.why
    assert "neurologists" not in client.get(
        f"/p/{seed_post.permalink}/").get_data(as_text=True)

    revert_change(db.session, moderator, change, "it was a general remark")
    db.session.commit()
    assert seed_post.body_text == body_before and label.exact == CLAIM
    assert db.session.scalar(select(FieldOriginal)) is None
    assert "neurologists" in client.get(
        f"/p/{seed_post.permalink}/").get_data(as_text=True)


def test_redactions_revert_in_any_order(app, seed_post, moderator):
    original = seed_post.body_text
    first = redact_post(db.session, moderator, seed_post, "neurologists",
                        "other")
    second = redact_post(db.session, moderator, seed_post, "Mark London", "other")
    assert "neurologists" not in seed_post.body_text
    assert "Mark London" not in seed_post.body_text
    revert_change(db.session, moderator, first, "keep the doctors")
    assert "neurologists" in seed_post.body_text
    assert "Mark London" not in seed_post.body_text
    revert_change(db.session, moderator, second, "keep the name")
    assert seed_post.body_text == original


def test_a_thread_wide_redaction_reaches_the_replies_that_quote_it(
        app, seed_post, moderator):
    mark, reply = _post_by("Mark London"), _post_by("ice witch")
    assert "m...@psfc.mit.edu" in reply.body_text
    alone = redact_post(db.session, moderator, mark, "M...@PSFC.MIT.EDU", "other")
    assert "m...@psfc.mit.edu" in reply.body_text
    assert changed_post_ids(db.session, alone) == [mark.id]
    revert_change(db.session, moderator, alone, "redo it thread-wide")
    everywhere = redact_post(db.session, moderator, mark, "M...@PSFC.MIT.EDU",
                             "personal_information", thread_wide=True)
    db.session.commit()
    assert "Mark London <[redacted]> wrote in message" in reply.body_text
    assert "M...@PSFC.MIT.EDU" not in mark.body_text
    assert sorted(changed_post_ids(db.session, everywhere)) == sorted(
        [mark.id, reply.id])


def test_redactions_are_refused_with_reasons(app, client, auth, seed_post,
                                             moderator):
    with pytest.raises(TakedownRejected, match="at least 3"):
        redact_post(db.session, moderator, seed_post, " a ", "other")
    with pytest.raises(TakedownRejected, match="not in this post"):
        redact_post(db.session, moderator, seed_post, "lorem ipsum dolor", "other")
    with pytest.raises(TakedownRejected, match="Choose a reason"):
        redact_post(db.session, moderator, seed_post, "neurologists", "")
    with pytest.raises(PermissionDenied):
        redact_post(db.session, None, seed_post, "neurologists", "other")
    url = f"/mod/p/{seed_post.permalink}/redact"
    assert "/login" in client.get(f"/mod/a/{seed_post.author.slug}/").location
    auth.login("mara")
    token = csrf_token(client, f"/mod/p/{seed_post.permalink}/")
    refused = client.post(url, data={"removed": "lorem ipsum dolor",
                                     "reason": "other", "csrf_token": token})
    assert refused.status_code == 400
    assert "That text is not in this post." in refused.get_data(as_text=True)
    assert client.post(url, data={"removed": "neurologists",
                                  "reason": "other"}).status_code == 400  # no CSRF
    done = client.post(url, data={"removed": "neurologists", "reason": "other",
                                  "thread_wide": "1", "csrf_token": token})
    assert done.status_code == 302 and done.location.endswith("#redactions")
    page = client.get(done.location).get_data(as_text=True)
    assert "Redacted in 1 post." in page and "neurologists" not in page


def test_only_admins_see_what_a_redaction_removed(app, client, auth, seed_post,
                                                  moderator, admin):
    change = redact_post(db.session, moderator, seed_post, PHRASE,
                         "personal_information")
    db.session.commit()
    auth.login("mara")
    page = client.get(f"/mod/p/{seed_post.permalink}/").get_data(as_text=True)
    assert "Redaction" in page and "neurologists" not in page
    assert f'action="/mod/changes/{change.id}/revert"' in page
    auth.logout()
    auth.login("ada")
    page = client.get(f"/mod/p/{seed_post.permalink}/").get_data(as_text=True)
    assert "Original text (admins only)" in page and "neurologists" in page


def test_an_author_takedown_pseudonymises_them_across_the_archive(
        app, client, auth, seed_post, moderator):
    mark = db.session.scalar(select(Author).where(Author.name == "Mark London"))
    witch, thai = _post_by("ice witch"), _posts_by("thai")
    assert "Mark London <m...@psfc.mit.edu> wrote" in witch.body_text
    assert any("Mark wrote" in post.body_text for post in thai)
    auth.login("mara")
    token = csrf_token(client, f"/mod/a/{mark.slug}/")
    response = client.post(f"/mod/a/{mark.slug}/pseudonymise", data={
        "reason": "author_request", "why": "asked by mail",
        "also": "m...@psfc.mit.edu\n", "csrf_token": token})
    page = client.get(response.location).get_data(as_text=True)
    assert "Pseudonymised" in page and "removed from 4 posts" in page
    pseudonym = f"Author {mark.slug[:6]}"
    assert (mark.name, mark.email) == (pseudonym, None)
    assert f"{pseudonym} <[address removed]> wrote in message" in witch.body_text
    assert all("Mark wrote" not in post.body_text for post in thai)
    assert "Mark London" not in seed_post.body_text
    assert "M...@PSFC.MIT.EDU" not in seed_post.body_text
    for url in (f"/t/{seed_post.thread_id}/?view=flat", f"/p/{witch.permalink}/",
                f"/a/{mark.slug}/", f"/api/v1/threads/{seed_post.thread_id}",
                "/search/feed.atom?q=magnesium"):
        text = client.get(url).get_data(as_text=True)
        assert "London" not in text, url
        assert "psfc.mit.edu>" not in text.lower(), url
    # (psfc.mit.edu stays in a Message-ID a reply quotes: not his address)
    assert client.get("/api/v1/search?q=London").get_json()["total"] == 0
    assert client.get(f'/api/v1/search?q=f:"{pseudonym}"').get_json()["total"] == 1
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "author.pseudonymise"))
    assert entry.target_id == mark.id and "London" not in str(entry.after)

    with pytest.raises(TakedownRejected, match="already pseudonymised"):
        pseudonymise_author(db.session, moderator, mark, "author_request")
    takedown = db.session.scalar(select(ContentChange))
    revert_change(db.session, moderator, takedown, "asked to be named again")
    db.session.commit()
    assert mark.name == "Mark London"
    assert "Mark London <m...@psfc.mit.edu> wrote" in witch.body_text
    assert client.get("/api/v1/search?q=London").get_json()["total"] == 2


def test_a_purge_leaves_only_a_tombstone(app, client, auth, seed_post, moderator,
                                         admin):
    label_post(db.session, moderator, seed_post, "unsupported", "An anecdote.",
               exact=CLAIM)
    redact_post(db.session, moderator, seed_post, "neurologists", "other")
    db.session.commit()
    url = f"/mod/p/{seed_post.permalink}/purge"
    auth.login("mara")
    token = csrf_token(client, f"/mod/p/{seed_post.permalink}/")
    assert client.post(url, data={"reason": "legal", "confirm": seed_post.permalink,
                                  "csrf_token": token}).status_code == 403
    auth.logout()
    auth.login("ada")
    token = csrf_token(client, f"/mod/p/{seed_post.permalink}/")
    unconfirmed = client.post(url, data={"reason": "legal", "confirm": "yes",
                                         "csrf_token": token})
    assert unconfirmed.status_code == 400
    assert "permalink to confirm the purge" in unconfirmed.get_data(as_text=True)
    done = client.post(url, data={"reason": "legal", "why": "court order 17",
                                  "confirm": seed_post.permalink,
                                  "csrf_token": token})
    assert done.status_code == 302
    post = db.session.get(Post, seed_post.id)
    assert (post.subject, post.body_text, post.body_html, post.is_hidden) == \
        ("", "", None, True)
    assert db.session.get(PostSource, post.id) is None
    assert db.session.scalar(select(FieldOriginal)) is None
    assert all(label.exact == "" and label.prefix == "" for label in
               db.session.scalars(select(Label).where(Label.post_id == post.id)))
    assert all(item.span_text is None for item in db.session.scalars(
        select(PostCitation).where(PostCitation.post_id == post.id)))
    assert db.session.get(Tombstone, post.id).reason == "legal"
    auth.logout()
    gone = client.get(f"/p/{post.permalink}/")
    assert gone.status_code == 410
    assert "removed from the archive for good" in gone.get_data(as_text=True)
    assert client.get(f"/api/v1/posts/{post.permalink}").status_code == 410
    assert "[hidden post]" in client.get(f"/t/{post.thread_id}/").get_data(
        as_text=True)
    with pytest.raises(TakedownRejected, match="purged"):
        purge_post(db.session, admin, post, "legal")
    with pytest.raises(TakedownRejected, match="purged"):
        redact_post(db.session, moderator, post, "anything", "other")
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "post.purge"))
    assert (entry.actor_name, entry.post_id, entry.why) == ("ada", post.id,
                                                            "court order 17")


LATER_REPLY = """\
From jane@example.org Mon Oct 16 09:00:00 2000
From: Jane Roe <jane@example.org>
Newsgroups: alt.support.fibromyalgia
Subject: Re: MUSCLE SPASMS MAY BE A MAGNESIUM DEFICIENCY.
Date: Mon, 16 Oct 2000 09:00:00 +0000
Message-ID: <later-reply@example.org>
References: <{parent}>

Mark London <m...@psfc.mit.edu> wrote:
> If you have muscle spasms, you should consider that you might have a
> magnesium deficiency.

Mark, did you ever try a lower dose? Posted without facial tics, only doing so
on my own after neurologists.
"""


def test_takedowns_and_thread_wide_redactions_hold_for_later_imports(
        app, tmp_path, import_sources, seed_post, moderator):
    mark = seed_post.author
    pseudonymise_author(db.session, moderator, mark, "author_request",
                        also=["m...@psfc.mit.edu"])
    redact_post(db.session, moderator, seed_post, PHRASE, "other", thread_wide=True)
    alone = redact_post(db.session, moderator, seed_post, "muscle spasms", "other")
    db.session.commit()
    source = tmp_path / "later.mbox"
    source.write_text(LATER_REPLY.format(parent=seed_post.message_id))
    report = import_sources(source, fmt="mbox", group="alt.support.fibromyalgia")
    assert report.imported == 1
    reply = db.session.scalar(select(Post).where(
        Post.message_id == "later-reply@example.org"))
    assert reply.thread_id == seed_post.thread_id
    assert reply.body_text.startswith(
        f"{mark.name} <[address removed]> wrote:\n> If you have muscle spasms")
    assert "[redacted]" in reply.body_text and "neurologists" not in reply.body_text
    assert "Mark, did you" in reply.body_text  # not an attribution line: kept
    assert alone.id not in [c.id for c in changes_on(db.session, reply)]
    assert import_sources(source, fmt="mbox",
                          group="alt.support.fibromyalgia").imported == 0


def test_the_audit_log_page_does_not_bring_removed_text_back(
        app, client, auth, seed_post, moderator, admin):
    label_post(db.session, moderator, seed_post, "unsupported", "About facial tics",
               exact=CLAIM)
    db.session.commit()
    auth.login("mara")
    assert "facial tics" in client.get("/mod/audit").get_data(as_text=True)
    redact_post(db.session, moderator, seed_post, PHRASE, "personal_information")
    db.session.commit()
    for url in ("/mod/audit", "/mod/"):
        page = " ".join(client.get(url).get_data(as_text=True).split())
        assert "facial tics" not in page and "[redacted]" in page, url
    purge_post(db.session, admin, seed_post, "legal", "court order")
    db.session.commit()
    page = client.get(f"/mod/audit?post={seed_post.id}").get_data(as_text=True)
    assert "(erased: the post was purged)" in page and "court order" in page
    assert "About [redacted]" not in page and "About facial" not in page
