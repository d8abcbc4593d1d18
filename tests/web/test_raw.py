"""/p/<permalink>/as-posted.txt: a post's text line for line, addresses masked."""

from __future__ import annotations

from forum.text.masking import mask_addresses
from tests.web.factories import QUOTED_BODY, unmasked_addresses


def test_the_text_comes_line_for_line_with_addresses_masked(client, sample):
    response = client.get(f"/p/{sample.reply.permalink}/as-posted.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.content_type == "text/plain; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text == mask_addresses(QUOTED_BODY)
    assert text.splitlines()[1:3] == ["> Has anyone tried the new compiler?",
                                      "> It crashes on my machine."]
    assert unmasked_addresses(text) == []
    assert "jsm... at example dot com" in text


def test_an_html_only_post_comes_as_its_plain_text(client, sample):
    response = client.get(f"/p/{sample.html_post.permalink}/as-posted.txt")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<" not in text and "alert" not in text
    assert text.startswith("Hi all")


def test_hidden_ghost_and_unknown_posts_have_none(client, sample):
    for permalink in (sample.hidden.permalink, sample.ghost.permalink, "nosuchpost"):
        response = client.get(f"/p/{permalink}/as-posted.txt")
        assert response.status_code == 404
        assert b"SECRET" not in response.data


def test_the_post_page_links_to_its_text_as_posted(client, sample):
    page = client.get(f"/p/{sample.reply.permalink}/").get_data(as_text=True)
    assert f'href="/p/{sample.reply.permalink}/as-posted.txt">as posted</a>' in page
