"""What a reader clicks, in a real headless Chromium against a real server."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from forum.extensions import db
from tests.browser import chromium, needs_chromium, serve, sqlite_app
from tests.web.factories import ArchiveFactory, build_sample

SCREENSHOT = Path(os.environ.get("FORUM_TEST_SCREENSHOT", "/tmp/thread.png"))
SEARCH_SCREENSHOT = Path(os.environ.get("FORUM_TEST_SEARCH_SCREENSHOT",
                                       "/tmp/search.png"))

pytestmark = needs_chromium


@pytest.fixture
def live_server(tmp_path):
    """The app on a temporary SQLite file, served on a free port in a thread."""
    app = sqlite_app(tmp_path)
    with app.app_context():
        built = build_sample(ArchiveFactory(db.session))
        ids = SimpleNamespace(thread=built.thread.id, root=built.root.permalink,
                              reply=built.reply.permalink)
    with serve(app) as base:
        yield base, ids


@pytest.fixture
def page():
    with chromium() as browser:
        context = browser.new_context(java_script_enabled=False,
                                      viewport={"width": 1100, "height": 1400})
        try:
            yield context.new_page()
        finally:
            context.close()


def test_reader_walks_from_home_to_a_permalink(live_server, page):
    base, ids = live_server
    page.goto(base + "/")
    assert page.title().startswith("Newsgroups, mailing lists and forums")
    page.get_by_role("link", name="comp.lang.misc").click()
    assert page.locator("h1").inner_text() == "comp.lang.misc"

    page.get_by_role("link", name="Compiler crashes").click()
    assert page.url == f"{base}/t/{ids.thread}/"
    assert page.get_by_text("[message not in the archive]").is_visible()
    assert "SECRET" not in page.content()

    fold = page.locator("details.fold-quote").first
    quoted = fold.locator("div.quote")
    assert not quoted.is_visible()
    fold.locator("summary").click()
    assert quoted.is_visible()
    assert "It crashes on my machine." in quoted.inner_text()
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    reply = page.locator(f"#p-{ids.reply}")
    reply.get_by_role("link", name="Permalink").click()
    assert page.url == f"{base}/p/{ids.reply}/"
    assert page.locator("h1").inner_text() == "Re: Compiler crashes"
    page.get_by_role("link", name="Compiler crashes", exact=True).click()
    assert page.url == f"{base}/p/{ids.root}/"


def test_reader_searches_and_narrows_by_a_facet(live_server, page):
    base, ids = live_server
    page.goto(base + "/")
    box = page.get_by_role("search").get_by_role("searchbox")
    box.fill("compiler")
    box.press("Enter")
    assert page.url == f"{base}/search?q=compiler"
    assert page.get_by_role("searchbox").input_value() == "compiler"
    results = page.locator("li.hit")
    assert results.count() == 2
    marks = page.locator("li.hit mark").all_inner_texts()
    assert marks and {mark.lower() for mark in marks} == {"compiler"}
    assert "SECRET" not in page.content()
    page.screenshot(path=str(SEARCH_SCREENSHOT), full_page=True)

    page.locator("aside.facets").get_by_role("link", name="Thai Nguyen").click()
    assert page.get_by_role("searchbox").input_value() == 'compiler f:"Thai Nguyen"'
    assert results.count() == 1
    results.get_by_role("link", name="Re: Compiler crashes").click()
    assert page.url == f"{base}/p/{ids.reply}/"
