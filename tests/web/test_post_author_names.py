"""Each post shows the name its own From gave, linked to its author's page.

One address signs two posts with different names, the second RFC 2047
encoded Cyrillic (from a real archive: "александр епанешников" showed as
"Alexander Epaneshnikov", the name the address used elsewhere).  Every place
that shows a post's author (post page, thread page, search, the API, feeds)
shows each post's own name; the author page keeps the author's name and lists
both posts.  An address-only From shows its masked address, and a name that is
itself an address is masked like any other.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Author, Post
from tests.helpers import REPO

pytestmark = pytest.mark.search_backend("whoosh-ram")
NAMES = REPO / "tests" / "data" / "from-one-address-two-names.mbox"
ATOM = "{http://www.w3.org/2005/Atom}"
LATIN, CYRILLIC = "Alexander Epaneshnikov", "александр епанешников"
# The two addresses that must never be readable (the second is a display name).
ADDRESSES = ("bob.lister@example.net", "carol.home@example.com")


@pytest.fixture
def posts(app, import_sources) -> dict[str, Post]:
    import_sources(NAMES, group="misc.names")
    db.session.commit()
    return {post.message_id.split("@")[0]: post
            for post in db.session.scalars(select(Post))}


@pytest.fixture
def aepan(posts) -> Author:
    return posts["first"].author


def _link(author: Author, name: str) -> str:
    return f'<a href="/a/{author.slug}/">{name}</a>'


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    text = response.get_data(as_text=True)
    for address in ADDRESSES:
        assert address not in text, url
    return text


def test_each_post_page_shows_its_own_name(client, posts, aepan):
    assert posts["third"].author_id == aepan.id  # one address, one author
    first = _page(client, f"/p/{posts['first'].permalink}/")
    third = _page(client, f"/p/{posts['third'].permalink}/")
    assert f"<dt>From</dt><dd>{_link(aepan, LATIN)}" in first
    assert f"<dt>From</dt><dd>{_link(aepan, CYRILLIC)}" in third
    assert LATIN not in third
    # The replies listed under a post, and the parent named above one, too.
    assert f"by {_link(aepan, CYRILLIC)}" in _page(
        client, f"/p/{posts['second'].permalink}/")
    assert f"by {_link(aepan, CYRILLIC)}" in _page(
        client, f"/p/{posts['fourth'].permalink}/")


def test_the_thread_page_shows_each_posts_own_name(client, posts, aepan):
    for view in ("", "?view=flat"):
        page = _page(client, f"/t/{posts['first'].thread_id}/{view}")
        assert _link(aepan, LATIN) in page and _link(aepan, CYRILLIC) in page
        assert "bob...@example.net" in page and "car...@example.com" in page


def test_search_results_show_each_posts_own_name(client, posts, aepan):
    assert _link(aepan, CYRILLIC) in _page(client, "/search?q=pharmacy")
    page = _page(client, "/search?q=glycinate")
    assert _link(aepan, LATIN) in page and CYRILLIC not in page
    found = client.get("/api/v1/search?q=f:епанешников").get_json()
    assert [hit["permalink"] for hit in found["results"]] == [
        posts["third"].permalink]


def test_the_api_gives_each_posts_own_name(client, posts, aepan):
    def author(permalink: str) -> dict:
        return client.get(f"/api/v1/posts/{permalink}").get_json()["author"]

    assert author(posts["first"].permalink) == {
        "name": LATIN, "address": "aep...@example.org", "slug": aepan.slug}
    assert author(posts["third"].permalink)["name"] == CYRILLIC
    assert author(posts["second"].permalink)["name"] == "bob...@example.net"
    assert author(posts["fourth"].permalink)["name"] == "car...@example.com"
    thread = client.get(f"/api/v1/threads/{posts['first'].thread_id}")
    names = [entry["author"]["name"] for entry in thread.get_json()["posts"]]
    assert names == [LATIN, "bob...@example.net", CYRILLIC, "car...@example.com"]
    for address in ADDRESSES:
        assert address not in thread.get_data(as_text=True)


@pytest.mark.parametrize("feed", ["thread", "group", "search"])
def test_feeds_name_each_entry_by_its_own_name(client, posts, feed):
    url = {"thread": f"/t/{posts['first'].thread_id}/feed.atom",
           "group": "/g/misc.names/feed.atom",
           "search": "/search/feed.atom?q=magnesium"}[feed]
    root = ET.fromstring(_page(client, url))
    names = {entry.find(f"{ATOM}link").get("href").rsplit("/", 2)[-2]:
             entry.find(f"{ATOM}author/{ATOM}name").text
             for entry in root.findall(f"{ATOM}entry")}
    assert names == {posts["first"].permalink: LATIN,
                     posts["second"].permalink: "bob...@example.net",
                     posts["third"].permalink: CYRILLIC,
                     posts["fourth"].permalink: "car...@example.com"}


def test_the_shell_search_names_each_post_by_its_own_name(runner, posts):
    done = runner.invoke(args=["search", "query", "magnesium", "--json",
                               "--sort", "oldest"])
    assert done.exit_code == 0, done.output
    hits = [json.loads(line) for line in done.output.splitlines()
            if line.startswith("{")]
    assert [hit["author"] for hit in hits] == [
        LATIN, "bob...@example.net", CYRILLIC, "car...@example.com"]


def test_the_group_page_names_a_thread_by_its_first_posts_own_name(client, create):
    group = create.group("misc.names")
    author = create.author(LATIN, "aepan@example.org")
    thread = create.thread("Magnesium at night")
    create.post(thread, [group], author=author).author_name = CYRILLIC
    db.session.commit()
    page = _page(client, "/g/misc.names/")
    assert f'data-label="Started by">{_link(author, CYRILLIC)}</td>' in page


def test_the_author_page_keeps_the_authors_name_and_lists_both_posts(
        client, posts, aepan):
    page = _page(client, f"/a/{aepan.slug}/")
    assert f"<h1>{LATIN}</h1>" in page and "2 messages in the archive" in page
    assert f"/p/{posts['first'].permalink}/" in page
    assert f"/p/{posts['third'].permalink}/" in page
    assert f"signed {CYRILLIC}" in page and f"signed {LATIN}" not in page
