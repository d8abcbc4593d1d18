"""The moderation suite's fixtures: the evidence suite's, and a served archive.

`live_server` is what every browser test here starts from: the seed thread
and the four magnesium articles imported as an operator would, the label
taxonomy, and the moderator "mara", served on a loopback port.
"""

from pathlib import Path

import pytest

from tests.browser import chromium, seeded_app, serve
from tests.evidence.conftest import (  # noqa: F401 - fixtures, found by name
    PASSWORD,
    SEED_THREAD,
    admin,
    auth,
    moderator,
    quick_password_hashing,
    seed_post,
    taxonomy,
)

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture
def live_server(tmp_path):
    """(base URL, app) of a server over the seed thread, the articles and mara."""
    app = seeded_app(tmp_path, ("article", "articles.magnesium",
                                sorted(SAMPLES.glob("article-*.txt"))),
                     FORUM_SEARCH_BACKEND="whoosh-ram")
    with serve(app) as base:
        yield base, app


@pytest.fixture
def browser():
    with chromium() as launched:
        yield launched


def sign_in(page, base: str, name: str = "mara", then: str = "/mod/queue") -> None:
    """Sign in through the login form and wait for the page it leads to.

    The fragment is not compared: the queue's keys write the place they
    focus (#item-N) into the address as soon as they start.
    """
    page.goto(f"{base}/login?next={then}")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: url.split("#")[0] == f"{base}{then}")
