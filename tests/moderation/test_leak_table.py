"""The leak table: a hidden post and a redacted span, on every public surface.

On the real 2000 thread: Stephanie A. Hall's post is hidden and a phrase of
Mark London's first post is redacted.  Both carry labels and a confirmed
citation, so every export would show them if anything leaked.  Each surface
is read before (it must show them, or the check proves nothing) and after
(it must not).  Moderators still see the hidden post, marked; only admins
see what a redaction removed.
"""

from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import select

from forum.extensions import db
from forum.models import Author, Post, PostCitation
from forum.services.citations import decide_suggestion
from forum.services.evidence import label_post
from forum.services.moderation import hide_post
from forum.services.takedowns import redact_post
from forum.text.masking import mask_addresses

pytestmark = pytest.mark.search_backend("whoosh-ram")
HIDDEN_WORDS = "PWFM are prone"  # Stephanie A. Hall's post, nowhere else
REDACTED = "facial tics, only doing so on my own after neurologists"
REDACTED_WORDS = ("neurologists", "facial tics")
CLAIM = "I personally started taking magnesium for spasms and facial tics"
EXPORTS = ("/export/labels.csv", "/export/citations.csv", "/export/evidence.json",
           "/export/claimreview.jsonld")


@pytest.fixture
def archive(app, seed_post, moderator, admin):
    hidden = db.session.scalar(select(Post).join(Author).where(
        Author.name == "Stephanie A. Hall"))
    label_post(db.session, moderator, seed_post, "unsupported", "One anecdote.",
               exact=CLAIM)
    label_post(db.session, moderator, hidden, "unsupported", "Unsourced.",
               exact=HIDDEN_WORDS)
    for post in (seed_post, hidden):
        suggestion = db.session.scalar(select(PostCitation).where(
            PostCitation.post_id == post.id).limit(1))
        if suggestion is not None:
            decide_suggestion(db.session, moderator, suggestion, accept=True)
    db.session.commit()
    return seed_post, hidden


def _surfaces(seed, hidden) -> dict[str, str]:
    """Every public surface where either post or its words could show."""
    reply = db.session.scalar(select(Post).where(Post.parent_id == seed.id,
                                                 Post.id != hidden.id).limit(1))
    return {
        "home": "/",
        "thread": f"/t/{seed.thread_id}/",
        "thread, flat": f"/t/{seed.thread_id}/?view=flat",
        "group": "/g/alt.support.fibromyalgia/",
        "group month": f"/g/alt.support.fibromyalgia/{seed.date:%Y/%m}/",
        "permalink, redacted post": f"/p/{seed.permalink}/",
        "permalink, hidden post": f"/p/{hidden.permalink}/",
        "permalink, a reply": f"/p/{reply.permalink}/",
        "author, redacted post": f"/a/{seed.author.slug}/",
        "author, hidden post": f"/a/{hidden.author.slug}/",
        "search": "/search?q=magnesium&per_page=100",
        "search, hidden words": "/search?q=PWFM",
        "search feed": "/search/feed.atom?q=magnesium",
        "group feed": "/g/alt.support.fibromyalgia/feed.atom",
        "thread feed": f"/t/{seed.thread_id}/feed.atom",
        "api search": "/api/v1/search?q=magnesium&per_page=100",
        "api search, hidden words": "/api/v1/search?q=PWFM",
        "api thread": f"/api/v1/threads/{seed.thread_id}",
        "api group": "/api/v1/groups/alt.support.fibromyalgia/threads",
        "api post, redacted": f"/api/v1/posts/{seed.permalink}",
        "api post, hidden": f"/api/v1/posts/{hidden.permalink}",
        **{f"export {url}": url for url in EXPORTS},
    }


# Searches for the redacted words: the query is echoed, so these look for the post.
FINDS = {"search, redacted word": "/search?q=neurologists",
         "search feed, redacted word": "/search/feed.atom?q=neurologists",
         "api search, redacted word": "/api/v1/search?q=neurologists",
         "api search, redacted phrase": "/api/v1/search?q=%22facial+tics%22"}


def _read(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code in (200, 404), (url, response.status_code)
    return response.get_data(as_text=True)


def _shows_hidden(text: str, hidden: Post) -> bool:
    return hidden.permalink in text or HIDDEN_WORDS in text


def _shows_redacted(text: str) -> bool:
    lowered = " ".join(text.split()).lower()
    return any(words in lowered for words in REDACTED_WORDS)


def test_hidden_posts_and_redacted_spans_leak_nowhere(app, client, auth, archive,
                                                      moderator):
    seed, hidden = archive
    surfaces = _surfaces(seed, hidden)
    before = {name: _read(client, url) for name, url in surfaces.items()}
    showed_hidden = {name for name, text in before.items()
                     if _shows_hidden(text, hidden)}
    showed_redacted = {name for name, text in before.items() if _shows_redacted(text)}
    # The table proves something only where the content showed to begin with.
    assert showed_hidden >= {"home", "thread", "thread, flat", "permalink, hidden post",
                             "author, hidden post", "search", "search, hidden words",
                             "search feed", "group feed", "thread feed",
                             "api search", "api search, hidden words",
                             "api thread", "api post, hidden",
                             "export /export/labels.csv",
                             "export /export/evidence.json"}
    assert showed_redacted >= {"home", "thread", "thread, flat",
                               "permalink, redacted post",
                               "api post, redacted", "export /export/labels.csv",
                               "export /export/evidence.json",
                               "export /export/claimreview.jsonld"}

    assert all(seed.permalink in _read(client, url) for url in FINDS.values())

    hide_post(db.session, moderator, hidden, "personal_information", "leak table")
    redact_post(db.session, moderator, seed, REDACTED, "personal_information",
                thread_wide=True)
    db.session.commit()

    leaks = [f"{name}: finds the redacted words" for name, url in FINDS.items()
             if seed.permalink in _read(client, url)]
    for name, url in surfaces.items():
        text = _read(client, url)
        if _shows_hidden(text, hidden):
            leaks.append(f"{name}: hidden post")
        if _shows_redacted(text):
            leaks.append(f"{name}: redacted span")
    assert leaks == []
    assert client.get(surfaces["permalink, hidden post"]).status_code == 404
    assert "[redacted]" in _read(client, surfaces["permalink, redacted post"])
    assert "spasms and [redacted]" in _read(client, "/export/labels.csv")


def test_moderators_see_the_hidden_post_and_admins_the_redacted_span(
        app, client, auth, archive, moderator):
    seed, hidden = archive
    hide_post(db.session, moderator, hidden, "personal_information", "leak table")
    redact_post(db.session, moderator, seed, REDACTED, "personal_information")
    db.session.commit()
    auth.login("mara")
    page = _read(client, f"/mod/p/{hidden.permalink}/")
    assert HIDDEN_WORDS in page and "Hidden from readers" in page
    page = _read(client, f"/mod/p/{seed.permalink}/")
    assert "[redacted]" in page and not _shows_redacted(page)
    auth.logout()
    auth.login("ada")
    page = _read(client, f"/mod/p/{seed.permalink}/")
    assert "Original text (admins only)" in page and _shows_redacted(page)


def test_an_inferred_reply_does_not_quote_its_hidden_parent(app, client, seed_post,
                                                            moderator):
    reply = db.session.scalar(select(Post).join(Author).where(
        Author.name == "ice witch"))
    assert reply.parent_id == seed_post.id and reply.parent_evidence
    for url in (f"/p/{reply.permalink}/", f"/t/{reply.thread_id}/"):
        page = _read(client, url)
        assert "no evidence shown" not in page
        assert str(escape(mask_addresses(reply.parent_evidence))) in page, url
    hide_post(db.session, moderator, seed_post, "other", "leak table")
    db.session.commit()
    for url in (f"/p/{reply.permalink}/", f"/t/{reply.thread_id}/"):
        page = _read(client, url)
        assert "no evidence shown" in page, url
        assert str(escape(mask_addresses(reply.parent_evidence))) not in page, url
