"""`make run`'s archive as an anonymous reader sees it in Chromium: the demo's
verdicts sit on the claims' own words, and a paper's details show where an
article names it.  The archive is built by `make sample` itself."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post
from tests.browser import chromium, needs_chromium, serve

pytestmark = needs_chromium
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The archive `make sample` builds (what `make run` serves), and its app."""
    from forum import create_app

    folder = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "FORUM_DATA_DIR": str(folder)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(["make", "-s", "sample"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 problems" in done.stdout
    return create_app({"FORUM_DATA_DIR": str(folder), "SQLALCHEMY_DATABASE_URI":
                       f"sqlite:///{folder / 'forum.sqlite'}"})


def _permalink(app, words: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Post.permalink).where(
            Post.body_text.contains(words)))


def test_the_neurology_claim_shows_its_verdict_and_rationale(demo):
    permalink = _permalink(demo, "A study published in the journal Neurology")
    with serve(demo) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        page.goto(f"{base}/p/{permalink}/")
        claim = page.locator("mark.claim", has_text="journal Neurology")
        assert claim.count() == 1
        assert " ".join(claim.inner_text().split()).startswith(
            "A study published in the journal Neurology found that magnesium")
        label_id = claim.get_attribute("data-label")
        verdict = page.locator(f'a.claim-verdict[href="#label-{label_id}"]')
        assert verdict.count() == 1 and verdict.is_visible()
        assert verdict.inner_text() == "Source not found"
        verdict.click()
        card = page.locator(page.url[page.url.index("#"):])
        assert card.is_visible()
        text = " ".join(card.inner_text().split())
        assert "Source not found" in text
        assert ("No study of magnesium for essential tremor in Neurology was "
                "found") in text
        assert "Evidence-based guideline update: treatment of essential tremor" in text


def test_the_bagis_reference_shows_the_papers_title_journal_and_year(demo):
    permalink = _permalink(demo, "Bagis S, et al. Rheumatology Int")
    with serve(demo) as base, chromium() as browser:
        page = browser.new_page()
        page.goto(f"{base}/p/{permalink}/")
        # The post's own citations ("Research cited"), not those of its labels.
        cited = page.locator("#citations + ul.citations > li", has_text="PMID 22271372")
        assert cited.count() >= 1
        text = " ".join(cited.first.inner_text().split())
        assert text.startswith("Is magnesium citrate treatment effective on pain, "
                               "clinical parameters and functional status in "
                               "patients with fibromyalgia?")
        assert "Rheumatology International" in text and "2013" in text
        assert "matched to its PubMed record" in text
