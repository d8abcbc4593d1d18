"""Search as a reader meets it: the results page, scoped searches, Atom and JSON.

Posts are created through the ORM and committed; the index follows commits
(forum/search/sync.py), so every post below is searchable when a test starts.
Every response is checked for full e-mail addresses and hidden text.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import unquote

import pytest
from markupsafe import escape
from sqlalchemy import update

from forum.extensions import db
from forum.models import Post
from forum.text.snippets import highlight_snippet, snippet_text
from tests.web.factories import unmasked_addresses

ATOM = "{http://www.w3.org/2005/Atom}"
HIT_RE = re.compile(r'<li class="hit">\s*<h2><a href="/p/([^/"]+)/">')
FACET_RE = re.compile(r'<ul class="facet-(\w+)">(.*?)</ul>', re.DOTALL)
FACET_ITEM_RE = re.compile(
    r'<li>(?:<a href="(?P<url>[^"]+)">(?P<label>[^<]+)</a>'
    r'|<strong aria-current="true">(?P<active>[^<]+)</strong>)'
    r' <span class="small muted">\((?P<count>[\d,]+)\)'
)


@dataclass
class Health:
    group: object
    other: object
    thread: object
    root: Post
    reply: Post
    later: Post


@pytest.fixture
def health(create) -> Health:
    """A support group on magnesium: new and quoted text, two years, two authors."""
    group = create.group("alt.support.fibromyalgia")
    other = create.group("misc.health")
    jane = create.author("Jane Roe", "jane.roe@example.org")
    ml = create.author("MLondon@PSFC.MIT.EDU", "MLondon@PSFC.MIT.EDU")
    thread = create.thread("Magnesium and muscle pain")
    root = create.post(
        thread, [group], author=ml, date=datetime(2000, 10, 10, 3, 0),
        body="Has anyone tried magnesium malate for muscle pain?\n"
             "Mail me at MLondon@PSFC.MIT.EDU\n")
    reply = create.post(
        thread, [group], parent=root, author=jane,
        subject="Re: Magnesium and muscle pain", date=datetime(2000, 10, 11, 9, 30),
        body="MLondon@PSFC.MIT.EDU wrote:\n"
             "> Has anyone tried magnesium malate for muscle pain?\n\n"
             "Yes: 300 mg of magnesium a day eased my cramps within a week.\n")
    night = create.thread("Cramps at night")
    later = create.post(
        night, [group, other], author=jane, date=datetime(2003, 2, 1, 12, 0),
        body="Night cramps again. Someone said magnesium helps; ask "
             "jane.roe@example.org.\n")
    db.session.commit()
    return Health(group, other, thread, root, reply, later)


@pytest.fixture
def diary(create) -> list[Post]:
    """25 posts with the word "diary", a day apart, oldest first."""
    group = create.group("misc.diary")
    author = create.author("Diarist", None)
    thread = create.thread("Symptom diary")
    posts = [
        create.post(thread, [group], author=author, subject=f"Diary day {n}",
                    date=datetime(2001, 1, 1) + timedelta(days=n),
                    body=f"Diary entry number {n}.\n")
        for n in range(25)
    ]
    db.session.commit()
    return posts


def get(client, url, status=200, mimetype="text/html") -> str:
    """A response's text, after checking status, type and that nothing leaks."""
    response = client.get(url)
    assert response.status_code == status, url
    assert response.mimetype == mimetype, url
    text = response.get_data(as_text=True)
    seen = unquote(html.unescape(text))
    assert unmasked_addresses(seen) == [], url
    assert "Traceback" not in text and "SECRET" not in text, url
    return text


def hits(page: str) -> list[str]:
    return HIT_RE.findall(page)


def facets(page: str) -> dict[str, list[dict]]:
    found = {}
    for name, items in FACET_RE.findall(page):
        found[name] = [
            {"label": html.unescape(m["label"] or m["active"]),
             "url": html.unescape(m["url"]) if m["url"] else None,
             "count": int(m["count"].replace(",", ""))}
            for m in FACET_ITEM_RE.finditer(items)
        ]
    return found


# -- the results page ----------------------------------------------------------


@pytest.mark.parametrize("url", ["/search", "/search?q=", "/search?q=%20%20"])
def test_empty_query_shows_the_form_and_help(client, health, url):
    page = get(client, url)
    assert 'name="q" value=""' in page
    assert 'href="/search/help"' in page
    assert 'class="query-error"' not in page and 'class="hit"' not in page


def test_help_page(client):
    page = get(client, "/search/help")
    assert "How to search" in page


def test_every_page_has_a_search_box(client, health):
    page = get(client, "/")
    assert 'role="search"' in page and 'action="/search"' in page


def test_results_show_highlighted_snippets_and_post_details(client, health):
    page = get(client, "/search?q=magnesium")
    assert 'name="q" value="magnesium"' in page
    assert "<strong>3</strong> posts" in page
    assert set(hits(page)) == {p.permalink for p in
                               (health.root, health.reply, health.later)}
    assert "<mark>magnesium</mark> malate" in page
    assert "<mark>Magnesium</mark> and muscle pain" in page  # the subject
    assert '<a href="/g/alt.support.fibromyalgia/">' in page
    assert ">MLo...@PSFC.MIT.EDU</a>" in page
    assert '<time datetime="2000-10-10T03:00:00Z">2000-10-10 03:00 UTC</time>' in page
    assert 'type="application/atom+xml"' in page
    assert 'href="/search/feed.atom?q=magnesium' in page


def test_snippet_prefers_the_posts_own_words_over_quotes(client, health):
    page = get(client, "/search?q=magnesium")
    reply = page.split(f'href="/p/{health.reply.permalink}/"')[1].split("</li>")[0]
    snippet = reply.split('<p class="snippet">')[1]
    assert "300 mg of <mark>magnesium</mark> a day" in snippet
    assert "malate" not in snippet


def test_a_match_only_in_quoted_text_shows_the_quote(client, health):
    page = get(client, f"/search?q=malate&thread={health.thread.id}")
    reply = page.split(f'href="/p/{health.reply.permalink}/"')[1].split("</li>")[0]
    assert "&gt; Has anyone tried magnesium <mark>malate</mark>" in reply


def test_facets_count_and_narrow_the_query(client, health):
    found = facets(get(client, "/search?q=magnesium"))
    groups = {f["label"]: f["count"] for f in found["group"]}
    assert groups == {"alt.support.fibromyalgia": 3, "misc.health": 1}
    assert {f["label"]: f["count"] for f in found["year"]} == {"2000": 2, "2003": 1}
    authors = {f["label"]: f for f in found["author"]}
    assert authors["Jane Roe"]["count"] == 2

    url = next(f["url"] for f in found["group"] if f["label"] == "misc.health")
    assert "group:misc.health" in unquote(url.replace("+", " "))
    narrowed = get(client, url)
    assert hits(narrowed) == [health.later.permalink]
    active = facets(narrowed)["group"]
    assert {f["label"]: f["url"] for f in active}["misc.health"] is None

    url = next(f["url"] for f in found["year"] if f["label"] == "2000")
    assert set(hits(get(client, url))) == {health.root.permalink,
                                           health.reply.permalink}


def test_author_facet_finds_the_author_without_spelling_the_address(client, health):
    found = facets(get(client, "/search?q=magnesium"))
    ml = {f["label"]: f for f in found["author"]}["MLo...@PSFC.MIT.EDU"]
    assert ml["count"] == 1
    assert "mlondon" not in unquote(ml["url"]).lower()
    assert hits(get(client, ml["url"])) == [health.root.permalink]


def test_pages_of_results(client, diary):
    first = get(client, "/search?q=diary&sort=date")
    assert "<strong>25</strong> posts" in first and "page 1 of 2" in first
    assert hits(first) == [p.permalink for p in reversed(diary)][:20]
    assert 'href="/search?page=2&amp;q=diary&amp;sort=date" rel="next"' in first
    second = get(client, "/search?q=diary&sort=date&page=2")
    assert hits(second) == [p.permalink for p in reversed(diary)][20:]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    get(client, "/search?q=diary&page=3", status=404)
    get(client, "/search?q=diary&page=abc", status=400)
    get(client, "/search?q=diary&page=%C2%B2", status=400)  # "²".isdigit()


def test_sort_orders(client, health):
    newest = hits(get(client, "/search?q=magnesium&sort=date"))
    assert newest == [health.later.permalink, health.reply.permalink,
                      health.root.permalink]
    oldest = hits(get(client, "/search?q=magnesium&sort=oldest"))
    assert oldest == newest[::-1]
    bogus = get(client, "/search?q=magnesium&sort=sideways")
    assert '<a href="/search?q=magnesium" aria-current="page">relevance</a>' in bogus
    assert set(hits(bogus)) == set(newest)


def test_search_within_a_group(client, health):
    group_page = get(client, "/g/misc.health/")
    ticked = '<input type="checkbox" name="group" value="misc.health" checked>'
    assert ticked in group_page
    page = get(client, "/search?q=magnesium&group=misc.health")
    assert hits(page) == [health.later.permalink]
    assert 'href="/search?q=magnesium">Search the whole archive</a>' in page


def test_search_within_a_thread(client, health):
    thread_page = get(client, f"/t/{health.thread.id}/")
    ticked = f'<input type="checkbox" name="thread" value="{health.thread.id}" checked>'
    assert ticked in thread_page
    page = get(client, f"/search?q=magnesium&thread={health.thread.id}")
    assert set(hits(page)) == {health.root.permalink, health.reply.permalink}
    get(client, "/search?q=magnesium&thread=abc", status=400)
    get(client, "/search?q=magnesium&thread=%C2%B2", status=400)


def test_did_you_mean(client, health):
    page = get(client, "/search?q=magnesim")
    assert 'Did you mean <a href="/search?q=magnesium">magnesium</a>?' in page
    assert hits(page) == []


@pytest.mark.parametrize("query", ["(magnesium", '"muscle pain', "magnesium OR",
                                   "d:2000-13", "x*", "a" * 1001])
def test_a_bad_query_is_explained_not_an_error(client, health, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="query-error" role="alert"' in page
    assert f'value="{escape(query)}"' in page
    assert "Traceback" not in page and "Internal Server Error" not in page
    assert 'class="hit"' not in page


# -- hidden posts and addresses ----------------------------------------------------


def test_a_hidden_post_disappears_at_once(client, health):
    permalink = health.root.permalink
    assert permalink in get(client, "/search?q=malate")
    health.root.is_hidden = True
    db.session.commit()
    assert permalink not in get(client, "/search?q=malate")
    assert permalink not in get(client, "/api/v1/search?q=malate",
                                mimetype="application/json")
    assert permalink not in get(client, "/search/feed.atom?q=malate",
                                mimetype="application/atom+xml")


def test_a_stale_index_cannot_show_a_hidden_post(client, health):
    """Hidden behind the ORM's back: the index still has it, the page must not."""
    db.session.execute(update(Post).where(Post.id == health.later.id)
                       .values(is_hidden=True))
    db.session.commit()
    for url, mimetype in [("/search?q=night", "text/html"),
                          ("/api/v1/search?q=night", "application/json"),
                          ("/search/feed.atom?q=night", "application/atom+xml")]:
        assert health.later.permalink not in get(client, url, mimetype=mimetype)


@pytest.mark.parametrize("query", ["magnesium", "psfc", "jane", "example"])
def test_no_full_address_in_page_api_or_feed(client, health, query):
    page = get(client, f"/search?q={query}")
    assert hits(page)
    get(client, f"/api/v1/search?q={query}", mimetype="application/json")
    get(client, f"/search/feed.atom?q={query}", mimetype="application/atom+xml")


# -- Atom and JSON ---------------------------------------------------------------


def test_atom_feed_of_results(client, health):
    text = get(client, "/search/feed.atom?q=magnesium",
               mimetype="application/atom+xml")
    feed = ET.fromstring(text.encode("utf-8"))
    assert feed.tag == ATOM + "feed"
    assert feed.findtext(ATOM + "title") == "Search: magnesium"
    entries = feed.findall(ATOM + "entry")
    links = [e.find(ATOM + "link").get("href") for e in entries]
    newest_first = (health.later, health.reply, health.root)
    assert links == [f"http://localhost/p/{p.permalink}/" for p in newest_first]
    first = entries[0]
    assert first.findtext(ATOM + "updated") == "2003-02-01T12:00:00Z"
    assert first.findtext(f"{ATOM}author/{ATOM}name") == "Jane Roe"
    summary = first.find(ATOM + "summary")
    assert summary.get("type") == "text"
    assert "magnesium helps" in summary.text and "<mark>" not in summary.text
    assert "jan...@example.org" in summary.text


def test_atom_feed_needs_a_good_query(client, health):
    get(client, "/search/feed.atom", status=400)
    get(client, "/search/feed.atom?q=(magnesium", status=400)


def test_api_search(client, health):
    text = get(client, "/api/v1/search?q=magnesium&sort=oldest",
               mimetype="application/json")
    data = json.loads(text)
    assert data["query"] == "magnesium"
    assert (data["total"], data["page"], data["pages"]) == (3, 1, 1)
    assert data["next"] is None
    first = data["results"][0]
    assert set(first) == {"id", "permalink", "url", "subject", "author", "date",
                          "groups", "snippet"}
    assert first["permalink"] == health.root.permalink
    assert first["url"] == f"http://localhost/p/{health.root.permalink}/"
    assert first["author"]["name"] == "MLo...@PSFC.MIT.EDU"
    assert first["date"] == "2000-10-10T03:00:00Z"
    assert first["groups"] == ["alt.support.fibromyalgia"]
    assert first["snippet"].startswith("Has anyone tried magnesium malate")
    assert "<mark>" not in first["snippet"]


def test_api_search_links_its_next_page(client, health, create):
    group = create.group("misc.many")
    thread = create.thread("Many")
    for day in range(1, 26):
        create.post(thread, [group], date=datetime(2004, 1, day),
                    body=f"Zinc note number {day}.")
    db.session.commit()
    first = json.loads(get(client, "/api/v1/search?q=zinc&group=misc.many",
                           mimetype="application/json"))
    assert (first["total"], first["pages"], len(first["results"])) == (25, 2, 20)
    assert first["next"] == "http://localhost/api/v1/search?q=zinc&group=misc.many&page=2"
    second = json.loads(get(client, first["next"].removeprefix("http://localhost"),
                            mimetype="application/json"))
    assert (second["page"], len(second["results"]), second["next"]) == (2, 5, None)


@pytest.mark.parametrize(("url", "words"), [
    ("/api/v1/search", "query"),
    ("/api/v1/search?q=", "query"),
    ("/api/v1/search?q=(magnesium", "bracket"),
])
def test_api_search_errors(client, health, url, words):
    data = json.loads(get(client, url, status=400, mimetype="application/json"))
    assert words in data["error"].lower()


# -- the snippet highlighter -------------------------------------------------------


def test_highlight_marks_whole_words_and_escapes_everything_else():
    text = "<b>Magnesium</b> & magnesium-rich, not magnesiums <script>x</script>"
    assert str(highlight_snippet(text, ["magnesium"])) == (
        "&lt;b&gt;<mark>Magnesium</mark>&lt;/b&gt; &amp; <mark>magnesium</mark>-rich,"
        " not magnesiums &lt;script&gt;x&lt;/script&gt;"
    )


def test_highlight_a_prefix():
    text = "Magnesia or magnesium, not amagnesium"
    marked = str(highlight_snippet(text, ["magnes*"]))
    assert marked == ("<mark>Magnesia</mark> or <mark>magnesium</mark>,"
                      " not amagnesium")


def test_snippet_masks_addresses_before_anything_else():
    text = "Write to thai@sympatico.ca or thai at sympatico dot ca about it."
    marked = str(highlight_snippet(text, ["thai", "sympatico"]))
    assert "thai@" not in marked and "thai at" not in marked
    assert "tha...@<mark>sympatico</mark>.ca" in marked


def test_snippet_window_is_around_the_first_match():
    before = " ".join(f"before{n}" for n in range(100))
    after = " ".join(f"after{n}" for n in range(100))
    text = snippet_text(f"{before} magnesium {after}", ["magnesium"], width=80)
    assert text.startswith("\u2026") and text.endswith("\u2026")
    assert len(text) <= 82 and "magnesium" in text
    assert text.index("magnesium") < 40


def test_snippet_without_a_match_is_the_start_of_the_new_text():
    body = "> quoted first\n\nMy own words come here.\n"
    assert snippet_text(body, ["absent"]) == "My own words come here."
    assert snippet_text(body, ["quoted"]) == "> quoted first"
    assert snippet_text("", ["x"]) == ""
