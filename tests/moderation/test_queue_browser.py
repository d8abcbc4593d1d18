"""A moderator works three queue items with the keyboard alone, in Chromium."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from forum import create_app
from forum.extensions import db
from tests.evidence.conftest import PASSWORD, SEED_THREAD

CHROMIUM = Path("/usr/bin/chromium")
SAMPLES = Path(__file__).resolve().parents[2] / "samples"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]


@pytest.fixture
def live_server(tmp_path):
    from werkzeug.serving import make_server

    from forum.migrate import upgrade
    from forum.services.accounts import create_user
    from forum.services.evidence import seed_label_kinds
    from importers.runner import ImportOptions, ImportRunner

    app = create_app({
        "TESTING": True, "FORUM_SEARCH_BACKEND": "whoosh-ram",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'forum.sqlite'}",
        "FORUM_DATA_DIR": str(tmp_path),
    })
    with app.app_context():
        upgrade()
        seed_label_kinds(db.session)
        create_user(db.session, "mara", PASSWORD, "moderator")
        db.session.commit()
        ImportRunner(db.session, ImportOptions(
            fmt="google-groups", group="alt.support.fibromyalgia")).run(
            [str(SEED_THREAD)])
        ImportRunner(db.session, ImportOptions(
            fmt="article", group="articles.magnesium")).run(
            [str(p) for p in sorted(SAMPLES.glob("article-*.txt"))])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def page():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 1200, "height": 1000})
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def _titles(page) -> list[str]:
    """Each item as kind and post (a post can be in the queue for two reasons)."""
    return page.locator("#queue > li").evaluate_all(
        "items => items.map(i => i.dataset.kind + ' ' + i.dataset.open)")


def test_three_items_with_the_keyboard_only(live_server, page):
    from forum.models import QueueMark

    base, app = live_server
    page.goto(f"{base}/login?next=/mod/queue")
    page.keyboard.type("mara")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/mod/queue")
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
