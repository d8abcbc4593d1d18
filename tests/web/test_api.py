"""The JSON API: same visibility as the pages, JSON errors, masked addresses."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from forum.extensions import db
from tests.web.factories import unmasked_addresses

START_DAY = datetime(2001, 5, 6, 7, 8)


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    assert response.mimetype == "application/json"
    text = response.get_data(as_text=True)
    assert unmasked_addresses(text) == [], url
    assert "SECRET" not in text, url
    return json.loads(text)


def test_groups(client, sample):
    data = get_json(client, "/api/v1/groups")
    names = [group["name"] for group in data["groups"]]
    assert names == ["alt.test", "comp.lang.misc"]
    assert (data["total"], data["next"]) == (2, None)
    misc = data["groups"][1]
    assert misc["post_count"] == 5
    assert misc["last_post_at"] == "2001-01-05T12:30:00Z"


def test_group_threads(client, sample):
    data = get_json(client, "/api/v1/groups/comp.lang.misc/threads")
    assert data["total"] == 2 and data["page"] == 1 and data["pages"] == 1
    first = data["threads"][1]
    assert first["subject"] == "Compiler crashes"
    assert first["started_by"]["address"] == "MLo...@PSFC.MIT.EDU"
    assert first["url"].endswith(f"/api/v1/threads/{sample.thread.id}")


def test_thread_tree(client, sample):
    data = get_json(client, f"/api/v1/threads/{sample.thread.id}")
    posts = data["posts"]
    by_permalink = {post["permalink"]: post for post in posts}
    root = posts[0]
    assert root["permalink"] == sample.root.permalink and root["depth"] == 0
    assert root["parent_permalink"] is None
    assert root["author"] == {"name": "MLo...@PSFC.MIT.EDU",
                              "address": "MLo...@PSFC.MIT.EDU", "slug": sample.ml.slug}
    assert root["date"] == "2000-10-10T03:00:00Z"
    reply = by_permalink[sample.reply.permalink]
    assert reply["parent_permalink"] == sample.root.permalink and reply["depth"] == 1
    ghost = by_permalink[sample.ghost.permalink]
    assert ghost["ghost"] is True and ghost["available"] is False
    assert ghost["author"] is None and ghost["subject"] is None
    orphan = by_permalink[sample.orphan.permalink]
    assert orphan["parent_permalink"] == sample.ghost.permalink
    # Both hidden posts (one with a reply, one a leaf) stay as placeholders.
    unavailable = [p for p in posts if p["permalink"] is None]
    assert len(unavailable) == 2 and not any(p["ghost"] for p in unavailable)
    assert all(p["subject"] is None and p["author"] is None for p in unavailable)
    below = by_permalink[sample.under_hidden.permalink]
    assert below["parent_permalink"] is None and below["depth"] == 2
    assert sample.hidden.permalink not in json.dumps(data)
    assert sample.hidden_leaf.permalink not in json.dumps(data)


def test_post(client, sample):
    data = get_json(client, f"/api/v1/posts/{sample.reply.permalink}")
    assert data["parent_permalink"] == sample.root.permalink
    assert data["replies"] == []  # the only reply is hidden
    assert data["groups"] == ["comp.lang.misc"]
    assert "tha...@sympatico.ca" in data["body_text"]
    assert "John Smith <jsm...@example.com> wrote:" in data["body_text"]
    assert data["author"]["slug"] == sample.thai.slug


@pytest.mark.parametrize("url", [
    "/api/v1/groups/nope/threads",
    "/api/v1/threads/999999",
    "/api/v1/posts/nope",
    "/api/v1/nothing-here",
])
def test_unknown_is_json_404(client, sample, url):
    data = get_json(client, url, status=404)
    assert data["error"]


def test_hidden_and_ghost_posts_are_404(client, sample):
    for post in (sample.hidden, sample.hidden_leaf, sample.ghost):
        get_json(client, f"/api/v1/posts/{post.permalink}", status=404)


@pytest.mark.parametrize("page", ["0", "x", "-3"])
def test_bad_page_is_json_400(client, sample, page):
    data = get_json(client, f"/api/v1/groups/comp.lang.misc/threads?page={page}",
                    status=400)
    assert "page" in data["error"]


def test_page_past_the_end_is_json_404(client, sample):
    get_json(client, "/api/v1/groups/comp.lang.misc/threads?page=9", status=404)


def test_wrong_method_is_json_405(client, sample):
    response = client.post("/api/v1/groups")
    assert response.status_code == 405
    assert response.get_json()["error"]
    assert "GET" in response.headers["Allow"]


def test_lists_page_with_a_count_and_a_next_link(app, client, create, monkeypatch):
    """No list stops silently: each page says how many there are and where
    the next page is, until the last says null."""
    monkeypatch.setitem(app.config, "FORUM_PAGE_SIZE", 2)
    monkeypatch.setitem(app.config, "FORUM_THREAD_PAGE_SIZE", 3)
    group, author = create.group("misc.paging"), create.author()
    long = create.thread("Long")
    root = create.post(long, [group], author=author, date=START_DAY)
    posts = [root] + [create.post(long, [group], parent=root, author=author,
                                  date=START_DAY) for _ in range(6)]
    for n in range(4):
        create.post(create.thread(f"Short {n}"), [group], author=author,
                    date=START_DAY)
    db.session.commit()
    for url, key, total in [(f"/api/v1/threads/{long.id}", "posts", 7),
                            ("/api/v1/groups/misc.paging/threads", "threads", 5)]:
        seen, pages = [], 0
        while url:
            data = get_json(client, url.removeprefix("http://localhost"))
            assert data["total"] == total
            seen += data[key]
            url, pages = data["next"], pages + 1
        assert pages == data["pages"] > 1 and len(seen) == total
    assert [p["permalink"] for p in get_json(
        client, f"/api/v1/threads/{long.id}?page=3")["posts"]] == [posts[-1].permalink]
