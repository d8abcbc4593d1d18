"""Long threads are shown a page at a time, cut where subtrees end.

Every visible post appears on exactly one page, in the order the whole
thread had; a nested page is cut before a post at the shallowest depth of
its second half; `?post=PERMALINK` opens the page that holds the post (the
first page for a hidden or unknown one); a page past the end is a 404; a
reply names its parent and links to the parent's page; each page loads the
bodies of its own posts only.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest

from forum.extensions import db
from forum.services.thread_pages import Node, page_starts
from tests.web.test_archive_service import count_queries

START = datetime(2001, 2, 3, 4, 5)


def _node(n: int, depth: int) -> Node:
    return Node(n, None, depth, n, False, False, None, f"p{n}", None)


@pytest.mark.parametrize(("depths", "size", "starts"), [
    # cut before the last depth-1 reply that fits
    ([0, 1, 2, 2, 1, 2, 1, 1, 2, 3], 4, [0, 4, 7]),
    ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4, [0, 4, 8]),   # a chain: cut at the page's end
    ([0] * 7, 3, [0, 3, 6]),
    ([0, 1, 1], 3, [0]),
])
def test_tree_pages_end_where_subtrees_end(depths, size, starts):
    nodes = [_node(n, depth) for n, depth in enumerate(depths)]
    assert page_starts(nodes, size, "tree") == starts


def test_flat_pages_are_cut_every_size_posts():
    nodes = [_node(n, 0) for n in range(7)]
    assert page_starts(nodes, 3, "flat") == [0, 3, 6]


@pytest.fixture
def long_thread(app, create, monkeypatch):
    """14 posts: a root, four replies with two answers each (one hidden), and
    a late reply; pages of five."""
    monkeypatch.setitem(app.config, "FORUM_THREAD_PAGE_SIZE", 5)
    group, author = create.group("misc.health"), create.author()
    thread = create.thread("Magnesium")
    day = iter(range(100))
    root = create.post(thread, [group], author=author,
                       date=START + timedelta(days=next(day)))
    posts = [root]
    for n in range(4):
        reply = create.post(thread, [group], parent=root, author=author,
                            date=START + timedelta(days=next(day)))
        posts.append(reply)
        for m in range(2):
            posts.append(create.post(
                thread, [group], parent=reply, author=author,
                hidden=(n, m) == (1, 0), date=START + timedelta(days=next(day))))
    posts.append(create.post(thread, [group], parent=root, author=author,
                             date=START - timedelta(days=1)))   # dated first
    db.session.commit()
    return thread, posts


def _shown(client, url: str) -> tuple[list[str], str]:
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.get_data(as_text=True)
    return re.findall(r'<article class="post" id="p-([a-z0-9]+)"', page), page


def test_every_visible_post_is_on_one_page_in_thread_order(client, long_thread):
    thread, posts = long_thread
    seen, number = [], 1
    while True:
        ids, page = _shown(client, f"/t/{thread.id}/?page={number}")
        seen += ids
        if 'rel="next"' not in page:
            break
        number += 1
    assert seen == [p.permalink for p in posts if not p.is_hidden]
    assert number == 4      # each reply with its answers: 4, 3, 3 and 4 entries
    assert client.get(f"/t/{thread.id}/?page=5").status_code == 404


def test_a_page_says_where_it_is_in_the_thread(client, long_thread):
    thread, _posts = long_thread
    _ids, page = _shown(client, f"/t/{thread.id}/?page=2")
    text = html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))
    assert "13 messages, 5–6 on this page" in text   # one of its three is hidden
    assert f'href="/t/{thread.id}/?page=1" rel="prev"' in page


def test_the_chronological_view_pages_by_date(client, long_thread):
    thread, posts = long_thread
    ids, page = _shown(client, f"/t/{thread.id}/?view=flat")
    visible = sorted((p for p in posts if not p.is_hidden), key=lambda p: p.date)
    assert ids == [p.permalink for p in visible[:5]]
    assert f'href="/t/{thread.id}/?page=2&amp;view=flat"' in page


@pytest.mark.parametrize("view", ["tree", "flat"])
def test_a_permalink_opens_the_page_that_holds_it(client, long_thread, view):
    thread, posts = long_thread
    last = posts[-1]
    ids, _page = _shown(client, f"/t/{thread.id}/?view={view}&post={last.permalink}")
    assert last.permalink in ids


def test_a_hidden_or_unknown_permalink_opens_the_first_page(client, long_thread):
    thread, posts = long_thread
    hidden = next(p for p in posts if p.is_hidden)
    first, _page = _shown(client, f"/t/{thread.id}/")
    for permalink in (hidden.permalink, "a" * 32, "nonsense"):
        ids, page = _shown(client, f"/t/{thread.id}/?post={permalink}")
        assert ids == first and hidden.permalink not in page


def test_a_reply_names_its_parent_and_links_to_its_page(client, long_thread):
    thread, posts = long_thread
    _ids, page = _shown(client, f"/t/{thread.id}/?page=2")
    root = posts[0]
    assert (f'in reply to <a href="/t/{thread.id}/?post={root.permalink}'
            f'#p-{root.permalink}">Thai Nguyen, 2001-02-03</a>') in page
    reply = posts[4]   # the second reply, on this page with its answers
    assert f'in reply to <a href="#p-{reply.permalink}">Thai Nguyen, ' in page


def test_a_page_loads_the_bodies_of_its_own_posts_only(app, client, long_thread):
    thread, _posts = long_thread
    with count_queries() as statements:
        assert client.get(f"/t/{thread.id}/?page=2").status_code == 200
    bodies = [s for s in statements if "posts.body_text" in s]
    assert len(bodies) == 1, bodies   # the page's posts, in one query
    assert len(statements) <= 8, statements
