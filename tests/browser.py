"""Shared plumbing for browser tests: serve an app, drive Debian's Chromium.

Each browser test module builds its own data, then serves it with `serve()`
and opens pages with `chromium()`; neither knows what the test checks.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from forum import create_app
from forum.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
needs_chromium = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]


def sqlite_app(folder: Path, **config):
    """An app on a fresh SQLite file in `folder`, migrated to the newest schema."""
    from forum.migrate import upgrade

    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'forum.sqlite'}",
        "FORUM_DATA_DIR": str(folder), **config,
    })
    with app.app_context():
        upgrade()
    return app


@contextmanager
def serve(app) -> Iterator[str]:
    """The app on a free loopback port in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@contextmanager
def chromium():
    """A headless Chromium (Playwright driving Debian's build)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def seeded_app(folder: Path, *extra_imports: tuple[str, str, list[Path]], **config):
    """An app over the 2000 thread with the taxonomy and moderator 'mara'.

    `extra_imports` are (format, group, paths) to import after the thread.
    """
    from forum.services.accounts import create_user
    from forum.services.evidence import seed_label_kinds
    from importers.runner import ImportOptions, ImportRunner
    from tests.evidence.conftest import PASSWORD, SEED_THREAD

    app = sqlite_app(folder, **config)
    imports = [("google-groups", "alt.support.fibromyalgia", [SEED_THREAD]),
               *extra_imports]
    with app.app_context():
        seed_label_kinds(db.session)
        create_user(db.session, "mara", PASSWORD, "moderator")
        db.session.commit()
        for fmt, group, paths in imports:
            ImportRunner(db.session, ImportOptions(fmt=fmt, group=group)).run(
                [str(path) for path in paths])
    return app
