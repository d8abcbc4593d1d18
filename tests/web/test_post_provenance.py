"""What a page says about where a post came from: inferred parents, day-only
dates, source URLs.  Shown quietly, on the thread tree and the post page."""

from __future__ import annotations

from datetime import datetime

import pytest

from forum.extensions import db
from tests.web.factories import unmasked_addresses

EVIDENCE = ("quotes 4 lines of Mark London's message; "
            "attribution names mlondon@psfc.mit.edu")
ARTICLE_URL = "http://fmnetnews.iraherman.com/latest-news/magnesium-treats-fibromyalgia-pain"


@pytest.fixture
def thread(create):
    """An article with a URL and a reply whose parent was inferred, dated by day."""
    group = create.group("alt.support.fibromyalgia")
    author = create.author("Mark London", "mlondon@psfc.mit.edu")
    thread = create.thread("MUSCLE SPASMS MAY BE A MAGNESIUM DEFICIENCY.")
    root = create.post(thread, [group], author=author, date=datetime(2000, 10, 10, 3))
    root.date_precision, root.source_url = "day", ARTICLE_URL
    reply = create.post(thread, [group], parent=root, author=author,
                        date=datetime(2000, 10, 11, 14, 5))
    reply.parent_confidence, reply.parent_evidence = 0.92, EVIDENCE
    db.session.commit()
    return thread, root, reply


def pages(client, thread, root, reply) -> dict[str, str]:
    urls = {"tree": f"/t/{thread.id}/", "flat": f"/t/{thread.id}/?view=flat",
            "root": f"/p/{root.permalink}/", "reply": f"/p/{reply.permalink}/"}
    return {name: client.get(url).get_data(as_text=True) for name, url in urls.items()}


def test_inferred_parent_shows_confidence_and_evidence_in_details(client, thread):
    shown = pages(client, *thread)
    for name in ("tree", "flat", "reply"):
        html = shown[name]
        assert ('<details class="inferred"><summary title="confidence 0.92">'
                "reply inferred, very likely</summary>") in html, name
        assert "quotes 4 lines of Mark London&#39;s message" in html, name
        assert unmasked_addresses(html) == [], name
    assert "reply inferred" not in shown["root"]


@pytest.mark.parametrize(("confidence", "word"), [
    (1.0, "certain"), (0.97, "certain"), (0.95, "certain"), (0.94, "very likely"),
    (0.85, "very likely"), (0.84, "likely"), (0.7, "likely"), (0.69, "possible"),
    (0.2, "possible"), (0.0, "possible"),
])
def test_inferred_confidence_reads_as_a_word_with_the_number_on_hover(
        client, thread, confidence, word):
    _thread, _root, reply = thread
    reply.parent_confidence = confidence
    db.session.commit()
    html = client.get(f"/p/{reply.permalink}/").get_data(as_text=True)
    assert (f'<summary title="confidence {confidence:.2f}">reply inferred, {word}'
            "</summary>") in html


def test_day_precision_dates_show_no_time(client, thread):
    shown = pages(client, *thread)
    day = ('<time datetime="2000-10-10">2000-10-10</time>'
           '<span class="muted">, time unknown</span>')
    for name in ("tree", "flat", "root"):
        assert day in shown[name], name
        assert "2000-10-10 03:00" not in shown[name], name
    # An exact date keeps its time (the root's list of replies too).
    assert "2000-10-11 14:05 UTC" in shown["tree"]
    assert "2000-10-11 14:05 UTC" in shown["root"]


def test_source_url_is_a_nofollow_link(client, thread):
    shown = pages(client, *thread)
    link = (f'<a href="{ARTICLE_URL}" rel="nofollow noopener" class="source-url">'
            f"{ARTICLE_URL}</a>")
    assert link in shown["tree"]
    assert "<dt>Source</dt>" in shown["root"] and link in shown["root"]
    assert "<dt>Source</dt>" not in shown["reply"]


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "mailto:mlondon@psfc.mit.edu",
            "http://example.com/?from=mlondon@psfc.mit.edu"],
)
def test_unsafe_source_urls_are_shown_but_not_linked(client, thread, url):
    _, root, _ = thread
    root.source_url = url
    db.session.commit()
    html = client.get(f"/p/{root.permalink}/").get_data(as_text=True)
    assert 'class="source-url"' in html
    assert 'rel="nofollow noopener"' not in html
    assert "href=\"javascript" not in html
    assert unmasked_addresses(html) == []
