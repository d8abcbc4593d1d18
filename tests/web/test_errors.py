"""Error pages: HTML for browsers, JSON under /api/, no traceback ever."""

from __future__ import annotations

import pytest

from forum import create_app


@pytest.fixture
def broken_app(tmp_path):
    app = create_app({
        "TESTING": True,
        "PROPAGATE_EXCEPTIONS": False,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "FORUM_DATA_DIR": str(tmp_path),
    })

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals /etc/passwd")

    @app.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("secret internals /etc/passwd")

    return app


def test_unhandled_error_is_a_clean_500_page(broken_app, caplog):
    response = broken_app.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "500 Internal Server Error" in html
    assert "secret internals" not in html and "Traceback" not in html


def test_unhandled_api_error_is_json_500(broken_app, caplog):
    response = broken_app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    data = response.get_json()
    assert data["status"] == 500
    assert "secret internals" not in data["error"]


def test_unknown_url_is_html_404(broken_app):
    response = broken_app.test_client().get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404 Not Found" in response.get_data(as_text=True)


def test_wrong_method_is_405_with_allow(broken_app):
    response = broken_app.test_client().post("/imports/")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert "405 Method Not Allowed" in response.get_data(as_text=True)


def test_missing_trailing_slash_still_redirects(broken_app):
    response = broken_app.test_client().get("/imports")
    assert response.status_code in (301, 308)
    assert response.headers["Location"].endswith("/imports/")
