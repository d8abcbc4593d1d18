"""A reader flags a post; a moderator hides it from the queue; the reader reloads."""

from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from tests.browser import needs_chromium
from tests.moderation.conftest import sign_in

pytestmark = needs_chromium


def test_flag_queue_hide_placeholder(live_server, browser):
    from forum.models import Post

    base, app = live_server
    with app.app_context():
        reply = db.session.scalar(select(Post).where(
            Post.parent_id.is_not(None), Post.is_ghost.is_(False)).order_by(Post.id))
        permalink, thread_id = reply.permalink, reply.thread_id

    reader = browser.new_context().new_page()
    reader.goto(f"{base}/p/{permalink}/")
    reader.get_by_text("Flag this post for a moderator").click()
    reader.get_by_label("Why").select_option("personal_information")
    reader.get_by_label("Anything a moderator should know").fill("Phone number")
    reader.get_by_role("button", name="Send flag").click()
    assert "A moderator will look at this post" in reader.get_by_role(
        "status").inner_text()
    reader.goto(f"{base}/t/{thread_id}/")
    assert reader.locator(f"#p-{permalink}").count() == 1

    moderator = browser.new_context().new_page()
    sign_in(moderator, base)
    top = moderator.locator("#queue > li").first
    assert top.get_attribute("data-kind") == "flag"
    assert top.get_attribute("data-open").endswith(f"/mod/p/{permalink}/")
    top.locator("h2 a").click()
    flags = moderator.locator("ul.flags").inner_text()
    assert "Personal information" in flags and "Phone number" in flags
    moderator.get_by_text("Hide this post from readers").click()
    moderator.locator("#hide-reason").select_option("personal_information")
    moderator.locator("#hide-why").fill("a phone number in the signature")
    moderator.get_by_role("button", name="Hide", exact=True).click()
    assert "Hidden from readers" in moderator.locator("#hidden-state").inner_text()

    reader.reload()
    assert reader.locator(f"#p-{permalink}").count() == 0
    assert reader.get_by_text("[hidden post]").count() >= 1
    assert reader.goto(f"{base}/p/{permalink}/").status == 404
