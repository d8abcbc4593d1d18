"""Moderators work the review queue with the keyboard alone, in Chromium."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from tests.browser import needs_chromium
from tests.moderation.conftest import sign_in

pytestmark = needs_chromium


@pytest.fixture
def page(browser):
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
    sign_in(page, base)
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


def _current(page) -> str:
    return page.locator("#queue > li.current").evaluate(
        "i => i.dataset.kind + ' ' + i.dataset.open")


def test_confirm_a_citation_and_hide_a_post_with_the_keyboard_only(live_server,
                                                                   page):
    from forum.models import AuditEntry, Post, PostCitation

    base, app = live_server
    sign_in(page, base, then="/mod/queue?sort=age")  # the seed thread first
    page.wait_for_selector("#queue > li.current")
    before = _titles(page)
    citation_item = next(t for t in before if t.startswith("citation "))
    # From here on, only the keyboard.
    while _current(page) != citation_item:
        page.keyboard.press("j")
    position = before.index(citation_item)
    first = page.locator("#queue > li.current .suggestions > li").first
    cited = first.locator("a").first.inner_text()   # e.g. "PMID 9068914"

    with page.expect_navigation():
        page.keyboard.press("y")                   # confirm the first suggestion
    assert page.get_by_role("status").inner_text() == f"Confirmed {cited}."
    assert _current(page) == citation_item         # still on the same item
    assert "13 suggested citations" in page.locator("#queue > li.current").inner_text()

    page.keyboard.press("h")                       # the hide form, reason focused
    assert page.evaluate("document.activeElement.name") == "reason"
    page.keyboard.press("s")                       # "Spam"
    page.keyboard.press("Tab")
    page.keyboard.type("an advert in the signature")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("status").inner_text() == "Hidden from readers."
    permalink = citation_item.rstrip("/").rsplit("/", 1)[-1]
    after = _titles(page)
    assert not any(t.endswith(f"/{permalink}/") for t in after)
    # The place is kept: the next item of another post is the current one.
    following = [t for t in before[position + 1:]
                 if not t.endswith(f"/{permalink}/")]
    assert following and _current(page) == following[0]
    assert page.url.startswith(f"{base}/mod/queue?sort=age#item-")  # filters kept

    with app.app_context():
        post = db.session.scalar(select(Post).where(Post.permalink == permalink))
        assert post.is_hidden
        confirmed = db.session.scalars(select(PostCitation).where(
            PostCitation.post_id == post.id,
            PostCitation.status == "confirmed")).all()
        assert len(confirmed) == 1 and confirmed[0].decided_by_id is not None
        assert db.session.scalar(select(func.count()).select_from(PostCitation).where(
            PostCitation.post_id == post.id,
            PostCitation.status == "suggested")) == 13
        actions = db.session.execute(select(
            AuditEntry.action, AuditEntry.actor_name, AuditEntry.reason,
            AuditEntry.why).where(AuditEntry.post_id == post.id)
            .order_by(AuditEntry.id)).all()
        assert [tuple(a) for a in actions] == [
            ("citation.confirm", "mara", confirmed[0].citation.kind, ""),
            ("post.hide", "mara", "spam", "an advert in the signature")]
