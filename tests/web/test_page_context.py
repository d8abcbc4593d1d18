"""Every public page says where the reader is (its <title>) and has one search
box, with a placeholder that shows the syntax; on a group or thread page the
box can keep the search there."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post
from tests.helpers import REPO

pytestmark = pytest.mark.search_backend("whoosh-ram")
SEED = REPO / "samples" / "usenet-2000-magnesium-fibromyalgia-thread.txt"
SUBJECT = "MUSCLE SPASMS MAY BE A MAGNESIUM DEFICIENCY."
GROUP = "alt.support.fibromyalgia"


@pytest.fixture
def first(app, import_sources) -> Post:
    import_sources(SEED, fmt="google-groups", group=GROUP)
    db.session.commit()
    return db.session.scalar(select(Post).where(Post.is_ghost.is_(False))
                             .order_by(Post.date, Post.id).limit(1))


def title(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    return html.split("<title>", 1)[1].split("</title>", 1)[0]


def test_titles_say_where_you_are(client, first):
    assert title(client, f"/t/{first.thread_id}/").startswith(f"{SUBJECT} — {GROUP} ·")
    assert title(client, f"/p/{first.permalink}/").startswith(
        f"{SUBJECT} — Mark London in {GROUP} ·")
    assert title(client, f"/g/{GROUP}/").startswith(f"{GROUP} ·")
    assert title(client, f"/g/{GROUP}/2000/10/").startswith(f"October 2000 — {GROUP} ·")
    assert title(client, f"/search?q=magnesium&group={GROUP}").startswith(
        f"“magnesium” — Search in {GROUP} ·")
    assert title(client, f"/a/{first.author.slug}/").startswith(
        "Mark London — posts by this author ·")


@pytest.mark.parametrize("where", ["home", "group", "thread", "post", "search",
                                   "help", "author"])
def test_one_search_box_per_page_with_the_syntax_as_placeholder(client, first, where):
    url = {"home": "/", "group": f"/g/{GROUP}/", "thread": f"/t/{first.thread_id}/",
           "post": f"/p/{first.permalink}/", "search": "/search?q=magnesium",
           "help": "/search/help", "author": f"/a/{first.author.slug}/"}[where]
    html = client.get(url).get_data(as_text=True)
    assert html.count('role="search"') == 1, url
    assert 'placeholder="&#34;cramps&#34; f:london d:2000"' in html


def test_the_thread_page_box_searches_the_thread_unless_unticked(client, first):
    html = client.get(f"/t/{first.thread_id}/").get_data(as_text=True)
    box = html.split('role="search"', 1)[1].split("</form>", 1)[0]
    assert (f'<input type="checkbox" name="thread" value="{first.thread_id}" checked>'
            in box)
    scoped = client.get(f"/search?q=magnesium&thread={first.thread_id}")
    assert "Only posts" in scoped.get_data(as_text=True)
    group = client.get(f"/g/{GROUP}/").get_data(as_text=True)
    assert f'name="group" value="{GROUP}" checked' in group
