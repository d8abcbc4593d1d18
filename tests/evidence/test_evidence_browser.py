"""A moderator labels a claim in real headless Chromium; a reader then sees it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from forum.extensions import db
from tests.browser import chromium, needs_chromium, seeded_app, serve
from tests.evidence.conftest import PASSWORD

SCREENSHOT = Path(os.environ.get("FORUM_TEST_EVIDENCE_SCREENSHOT",
                                 "/tmp/evidence.png"))
START = "So there is an excellent chance"
END = "has a magnesium deficiency."
SENTENCE = ("So there is an excellent chance that a person with fibromyalgia has "
            "a magnesium deficiency.")

pytestmark = needs_chromium

# Selects the text from START to END inside #selectable, as a mouse drag would,
# then lets the page's script see the selection (mouseup).
SELECT = """([start, end]) => {
  const root = document.getElementById("selectable");
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = []; let text = "";
  while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]);
                              text += walker.currentNode.data; }
  const from = text.indexOf(start), to = text.indexOf(end, from) + end.length;
  const at = (i) => { for (let k = nodes.length - 1; k >= 0; k--) {
      if (nodes[k][1] <= i) return [nodes[k][0], i - nodes[k][1]]; } };
  const range = document.createRange();
  range.setStart(...at(from)); range.setEnd(...at(to));
  const selection = window.getSelection();
  selection.removeAllRanges(); selection.addRange(range);
  root.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
  return selection.toString();
}"""


@pytest.fixture
def live_server(tmp_path):
    """The app with the seed thread and a moderator, served on a free port."""
    from forum.models import Post

    app = seeded_app(tmp_path)
    with app.app_context():
        first = db.session.scalar(select(Post.permalink).where(
            Post.is_ghost.is_(False)).order_by(Post.date, Post.id).limit(1))
    with serve(app) as base:
        yield base, first


@pytest.fixture
def page():
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1200, "height": 1400})
        try:
            yield context.new_page()
        finally:
            context.close()


def test_moderator_labels_a_sentence_and_a_reader_sees_it(live_server, page):
    base, permalink = live_server
    page.goto(f"{base}/mod/p/{permalink}/")
    assert page.url.startswith(f"{base}/login?next=")  # anonymous: sign in first
    page.get_by_label("User name").fill("mara")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/mod/p/{permalink}/")
    page.wait_for_selector("#selectable")

    selected = page.evaluate(SELECT, [START, END])
    assert " ".join(selected.split()) == SENTENCE
    form = page.locator("#label-form")
    assert form.get_by_role("textbox", name="Selected text").input_value() == SENTENCE
    assert page.locator("#prefix").input_value().endswith("deficient in magnesium. ")
    form.get_by_label("Label").select_option("unsupported")
    form.get_by_label("Rationale (required)").fill(
        "No study shows that people with fibromyalgia are more often deficient.")
    form.get_by_label("Citations, one per line").fill("PMID 9068914")
    form.get_by_role("button", name="Add label").click()
    assert page.get_by_role("status").inner_text() == "Labelled 'Unsupported'."

    page.goto(f"{base}/mod/audit")
    row = page.locator("table.listing tbody tr").first
    assert "label.create" in row.inner_text() and "mara" in row.inner_text()
    assert "fibromyalgia has a magnesium" not in page.content()  # no post text
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("status").inner_text() == "Signed out."

    page.goto(f"{base}/p/{permalink}/")
    marked = page.locator("mark.claim")
    assert " ".join(" ".join(marked.all_inner_texts()).split()) == SENTENCE
    card = page.locator(".evidence-label")
    assert card.count() == 1
    text = card.inner_text()
    assert "Unsupported" in text and "Caution" in text
    assert "No study shows that people with fibromyalgia" in text
    assert "Labelled by mara" in text
    # Not looked up: the card says so and links to the PubMed record.
    assert "not confirmed here" in text
    link = card.get_by_role("link", name="see its record")
    assert link.get_attribute("href") == "https://pubmed.ncbi.nlm.nih.gov/9068914/"
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.goto(f"{base}/mod/audit")
    assert page.url.startswith(f"{base}/login")  # readers cannot read the log


def test_moderator_redacts_a_selected_phrase_and_readers_no_longer_see_it(
        live_server, page):
    base, permalink = live_server
    page.goto(f"{base}/login?next=/mod/p/{permalink}/")
    page.get_by_label("User name").fill("mara")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/mod/p/{permalink}/")
    page.wait_for_selector("#selectable")

    selected = page.evaluate(SELECT, ["facial tics", "after neurologists"])
    phrase = " ".join(selected.split())
    assert phrase == "facial tics, only doing so on my own after neurologists"
    page.get_by_text("Redact text in this post").click()
    form = page.locator("#redact-form")
    assert form.get_by_label("Text to remove", exact=False).input_value() == phrase
    form.get_by_label("Reason").select_option("personal_information")
    form.get_by_label("Note").fill("names the poster's doctors")
    form.get_by_role("button", name="Redact").click()
    assert "Redacted in 1 post." in page.get_by_role("status").inner_text()
    assert "neurologists" not in page.locator("#selectable").inner_text()
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{base}/p/{permalink}/")
    body = " ".join(page.locator("article").first.inner_text().split())
    assert "spasms and [redacted] simply told me" in body
    assert "neurologists" not in page.content()
