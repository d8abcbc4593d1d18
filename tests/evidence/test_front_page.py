"""The home page as a first-time visitor sees it: what the archive holds, its
groups with their years, the newest threads, and the newest verdicts with the
claim highlighted; nothing hidden, withdrawn or not a verdict."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post
from forum.services.citations import citations_from_text
from forum.services.evidence import label_post, withdraw_label
from forum.services.moderation import hide_post
from forum.text.snippets import claim_excerpt

pytestmark = pytest.mark.search_backend("whoosh-ram")
CLAIM = "Magnesium deficiency is very common in the general US population."
OTHER = "Stress can greatly increase magnesium loss."


def home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_empty_archive_says_what_it_is_for(client):
    html = home(client)
    assert "It is empty so far" in html and "Newest verdicts" not in html


def test_the_front_door_shows_holdings_groups_threads_and_verdicts(
        client, seed_post, moderator):
    posts = db.session.scalars(select(Post).where(Post.is_ghost.is_(False))
                               .order_by(Post.date, Post.id)).all()
    first, reply = posts[0], posts[1]
    papers = citations_from_text(db.session, "PMID 9068914")
    label_post(db.session, moderator, first, "limited_evidence",
               "Surveys disagree on how common it is.", exact=CLAIM, citations=papers)
    label_post(db.session, moderator, first, "personal_experience",
               "An anecdote.", exact=OTHER)          # not a verdict
    gone = label_post(db.session, moderator, reply, "unsupported", "No.")
    withdraw_label(db.session, moderator, gone, "labelled in error")
    db.session.commit()
    html = home(client)
    visible = db.session.scalar(select(func.count()).select_from(Post)
                                .where(Post.is_ghost.is_(False)))
    assert f"This archive keeps {visible} posts" in html
    assert "1 group (newsgroups" in html and "written in 2000" in html
    assert "(1 verdict so far)" in html and "1 paper cited" in html
    assert f"<mark>{CLAIM}</mark>" in html and "Limited evidence" in html
    assert "#label-" in html and f"/p/{first.permalink}/" in html
    assert "An anecdote" not in html and "Unsupported" not in html
    assert '<a href="/g/alt.support.fibromyalgia/">alt.support.fibromyalgia</a>' in html
    assert 'data-label="Years">2000<' in html
    assert "MUSCLE SPASMS MAY BE A MAGNESIUM DEFICIENCY." in html  # newest threads
    verdicts = html.split('id="verdicts-heading"', 1)[1].split("</section>", 1)[0]
    threads = html.split('id="threads-heading"', 1)[1].split("</section>", 1)[0]
    assert '&middot; <a href="/g/alt.support.fibromyalgia/">' in verdicts  # main group
    assert "in alt.support.fibromyalgia, latest" in threads


def test_a_hidden_post_takes_its_verdict_and_its_count_away(
        client, seed_post, moderator):
    label_post(db.session, moderator, seed_post, "unsupported", "No good evidence.",
               exact=CLAIM)
    db.session.commit()
    visible = db.session.scalar(select(func.count()).select_from(Post)
                                .where(Post.is_ghost.is_(False)))
    before = home(client)
    assert "<mark>" in before and f"keeps {visible} posts" in before
    hide_post(db.session, moderator, seed_post, "spam")
    db.session.commit()
    html = home(client)
    assert f"keeps {visible - 1} posts" in html
    assert CLAIM not in html and "(0 verdicts so far)" in html
    assert "Newest verdicts" not in html


def test_a_claim_whose_words_are_gone_has_no_excerpt():
    text = "Some text.\n> quoted magnesium cures\n> everything, he said\nMore."
    assert str(claim_excerpt(text, "magnesium cures everything, he said")) == (
        "Some text. quoted <mark>magnesium cures everything, he said</mark> More.")
    assert claim_excerpt("[redacted] More.", "magnesium cures") is None
    masked = str(claim_excerpt("Write to bob.lister@example.net: magnesium cures",
                               "magnesium cures"))
    assert "bob.lister@example.net" not in masked
    assert "<mark>magnesium cures</mark>" in masked
    long = claim_excerpt("word " * 100 + "the claim here " + "tail " * 100,
                         "the claim here", 60)
    assert str(long).startswith("\u2026word ") and str(long).endswith("tail \u2026")
