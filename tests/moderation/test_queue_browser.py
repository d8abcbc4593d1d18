"""A moderator works three queue items with the keyboard alone, in Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from forum.extensions import db
from tests.browser import chromium, needs_chromium, serve, sqlite_app
from tests.evidence.conftest import PASSWORD, SEED_THREAD

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
pytestmark = needs_chromium


@pytest.fixture
def live_server(tmp_path):
    from forum.services.accounts import create_user
    from forum.services.evidence import seed_label_kinds
    from importers.runner import ImportOptions, ImportRunner

    app = sqlite_app(tmp_path, FORUM_SEARCH_BACKEND="whoosh-ram")
    with app.app_context():
        seed_label_kinds(db.session)
        create_user(db.session, "mara", PASSWORD, "moderator")
        db.session.commit()
        ImportRunner(db.session, ImportOptions(
            fmt="google-groups", group="alt.support.fibromyalgia")).run(
            [str(SEED_THREAD)])
        ImportRunner(db.session, ImportOptions(
            fmt="article", group="articles.magnesium")).run(
            [str(p) for p in sorted(SAMPLES.glob("article-*.txt"))])
    with serve(app) as base:
        yield base, app


@pytest.fixture
def page():
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1200, "height": 1000})
        try:
            yield context.new_page()
        finally:
            context.close()


def _titles(page) -> list[str]:
    """Each item as kind and post (a post can be in the queue for two reasons)."""
    return page.locator("#queue > li").evaluate_all(
        "items => items.map(i => i.dataset.kind + ' ' + i.dataset.open)")


def test_three_items_with_the_keyboard_only(live_server, page):
    from forum.models import QueueMark

    base, app = live_server
    page.goto(f"{base}/login?next=/mod/queue")
    page.get_by_label("User name").fill("mara")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/mod/queue")
    page.wait_for_selector("#queue > li.current")  # the keys are listening
    # From here on, only the keyboard.
    before = _titles(page)
    assert len(before) >= 4

    with page.expect_navigation():
        page.keyboard.press("c")                  # 1: claim the first item
    assert "claimed by mara" in page.locator("#queue > li").first.inner_text()

    page.keyboard.press("j")                      # 2: dismiss the second
    with page.expect_navigation():
        page.keyboard.press("d")
    assert page.get_by_role("status").inner_text() == "Dismissed 1 item."
    assert before[1] not in _titles(page)

    with page.expect_navigation():
        page.keyboard.press("d")                  # 3: and the next, same place
    assert page.get_by_role("status").inner_text() == "Dismissed 1 item."
    assert before[2] not in _titles(page)
    current = page.locator("#queue > li.current").evaluate(
        "i => i.dataset.kind + ' ' + i.dataset.open")
    assert current == _titles(page)[1]            # the position was kept

    page.keyboard.press("o")                      # and open the next one
    page.wait_for_url(f"{base}/mod/p/**")
    assert current.endswith(page.url.removeprefix(base))

    with app.app_context():
        marks = db.session.scalars(select(QueueMark)).all()
        assert sorted(m.state for m in marks) == ["claimed", "dismissed",
                                                  "dismissed"]
