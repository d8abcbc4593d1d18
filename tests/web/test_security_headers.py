"""Every response carries the security headers: every route in the URL map,
read anonymously and by an admin, answered or refused, and the error pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from forum.web.headers import HEADERS, HSTS
from tests.evidence.conftest import (  # noqa: F401 - fixtures, found by name
    Auth,
    admin,
    quick_password_hashing,
)
from tests.helpers import url_map_routes
from tests.web.routes import route_paths

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=", re.I)


def assert_secured(response, where: str) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (where, name)


@pytest.mark.usefixtures("admin", "quick_password_hashing")
def test_every_route_answers_with_the_headers(app, client, sample):
    routes = [(method, path) for method, rule in url_map_routes(app)
              for path in route_paths(rule, 1)]
    assert len(routes) > 60  # the whole map, not a handful
    for signed_in in (False, True):
        if signed_in:
            assert Auth(client).login("ada").status_code == 302
        for method, path in routes:
            response = client.open(path, method=method)
            assert_secured(response, f"{method} {path} signed in={signed_in}")
            assert "Strict-Transport-Security" not in response.headers


def test_scripts_may_only_come_from_the_site(app, client, sample):
    policy = client.get("/").headers["Content-Security-Policy"]
    directives = dict(part.split(" ", 1) for part in policy.split("; "))
    assert directives["script-src"] == "'self'"
    assert "unsafe" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_no_template_holds_inline_script_or_handlers():
    """The policy forbids them, so a page using one would break in browsers."""
    offenders = [f"{path.relative_to(TEMPLATES)}: {found[0]}"
                 for path in TEMPLATES.rglob("*.html")
                 for found in INLINE_SCRIPT.finditer(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_hsts_only_when_the_site_is_served_over_https(app, client, sample):
    assert "Strict-Transport-Security" not in client.get("/").headers
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        for path in ("/", "/no/such/page", "/api/v1/groups"):
            assert client.get(path).headers["Strict-Transport-Security"] == HSTS
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False


def test_an_unhandled_error_page_carries_the_headers(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/__test_boom")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/__test_boom")
    assert response.status_code == 500
    assert_secured(response, "500 page")


@pytest.mark.parametrize("path", ["/static/queue-keys.js", "/search/feed.atom?q=x",
                                  "/api/v1/search?q=x"])
def test_static_files_feeds_and_the_api_too(client, sample, path):
    with client.get(path) as response:
        assert response.status_code == 200
        assert_secured(response, path)
