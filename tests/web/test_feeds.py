"""Atom feeds of a group and of a thread, on the real 2000 thread."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Author, Post
from tests.evidence.conftest import SEED_THREAD

pytestmark = pytest.mark.search_backend("whoosh-ram")
ATOM = "{http://www.w3.org/2005/Atom}"
GROUP = "alt.support.fibromyalgia"


@pytest.fixture
def thread(app, import_sources) -> list[Post]:
    import_sources(SEED_THREAD, fmt="google-groups", group=GROUP)
    return list(db.session.scalars(select(Post).where(Post.is_ghost.is_(False))
                                   .order_by(Post.date.desc(), Post.id.desc())))


def _feed(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    return ET.fromstring(response.get_data())


def _links(feed: ET.Element) -> list[str]:
    return [entry.find(ATOM + "link").get("href")
            for entry in feed.findall(ATOM + "entry")]


@pytest.mark.parametrize("kind", ["group", "thread"])
def test_feeds_list_the_newest_posts_first(client, thread, kind):
    url = (f"/g/{GROUP}/feed.atom" if kind == "group"
           else f"/t/{thread[0].thread_id}/feed.atom")
    feed = _feed(client, url)
    assert _links(feed) == [f"http://localhost/p/{post.permalink}/"
                            for post in thread]
    assert feed.findtext(ATOM + "updated") == f"{thread[0].date:%Y-%m-%dT%H:%M:%SZ}"
    entry = feed.findall(ATOM + "entry")[-1]  # Mark London's first post
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Mark London"
    summary = entry.find(ATOM + "summary")
    assert summary.get("type") == "text"
    assert summary.text.startswith("If you have muscle spasms, you should consider")
    assert summary.text.endswith("…") and len(summary.text) <= 401


def test_pages_link_their_feeds(client, thread):
    group_page = client.get(f"/g/{GROUP}/").get_data(as_text=True)
    assert f'href="/g/{GROUP}/feed.atom"' in group_page
    thread_page = client.get(f"/t/{thread[0].thread_id}/").get_data(as_text=True)
    assert f'href="/t/{thread[0].thread_id}/feed.atom"' in thread_page


def test_hidden_posts_are_not_in_feeds(client, thread):
    hidden = db.session.scalar(select(Post).join(Author).where(
        Author.name == "Stephanie A. Hall"))
    hidden.is_hidden = True
    db.session.commit()
    for url in (f"/g/{GROUP}/feed.atom", f"/t/{hidden.thread_id}/feed.atom"):
        links = _links(_feed(client, url))
        assert len(links) == len(thread) - 1
        assert not any(hidden.permalink in link for link in links)


def test_unknown_feeds_are_404_pages(client, thread):
    assert client.get("/g/no.such.group/feed.atom").status_code == 404
    assert client.get("/t/999999/feed.atom").status_code == 404
