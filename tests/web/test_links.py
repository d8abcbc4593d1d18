"""The fast links of list pages are exactly the links url_for makes."""

from __future__ import annotations

import pytest
from flask import url_for
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from forum import create_app
from forum.web.links import link, query_link

ONE_ARGUMENT = {"archive.post": "permalink", "archive.author": "slug",
                "archive.group": "name"}


@pytest.fixture(scope="module")
def links_app(tmp_path_factory):
    return create_app({
        "TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "FORUM_DATA_DIR": str(tmp_path_factory.mktemp("links")),
        "FORUM_SEARCH_BACKEND": "null",
    })


@pytest.mark.parametrize("root", ["", "/archive", "/a%20b/x"])
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(min_size=1))
@example(value="a/b c?d#e%f&g=h")
@example(value="alt.support.fibromyalgia")
@example(value="LINK-MARKER-7f3a")
def test_link_is_url_for(links_app, root, value):
    with links_app.test_request_context(base_url=f"http://localhost{root}/"):
        for endpoint, name in ONE_ARGUMENT.items():
            assert link(endpoint, value) == url_for(endpoint, **{name: value})
            assert link(endpoint, value, external=True) == url_for(
                endpoint, **{name: value}, _external=True)


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=st.integers(min_value=0, max_value=2**62))
def test_number_link_is_url_for(links_app, number):
    with links_app.test_request_context(base_url="http://localhost/x/"):
        assert link("archive.thread", number) == url_for("archive.thread",
                                                         thread_id=number)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.none() | st.text(), sort=st.sampled_from([None, "date", "oldest"]),
       group=st.none() | st.text(), page=st.none() | st.integers(2, 50))
@example(q="f:\"PSFC.MIT.EDU\" magnesium* -x d:2000", sort=None, group="a.b+c/d",
         page=3)
def test_query_link_is_url_for(links_app, q, sort, group, page):
    params = {"q": q, "sort": sort, "group": group, "thread": None, "page": page}
    with links_app.test_request_context("/"):
        for endpoint in ("search.results", "search.feed"):
            assert query_link(endpoint, params) == url_for(endpoint, **params)


def test_shapes_follow_each_request_root(links_app):
    with links_app.test_request_context(base_url="http://localhost/one/"):
        assert link("archive.thread", 5) == "/one/t/5/"
        assert query_link("search.results", {"q": "x"}) == "/one/search?q=x"
    with links_app.test_request_context(base_url="http://localhost/two/"):
        assert link("archive.thread", 5) == "/two/t/5/"
        assert query_link("search.results", {}) == "/two/search"
