"""Numbers no database column holds, in every route that takes one: a 404 or
another refusal, never a 500 (they overflowed the drivers before)."""

from __future__ import annotations

import pytest
from werkzeug.routing.converters import NumberConverter

from forum.web.common import LARGEST_ID
from tests.evidence.conftest import (  # noqa: F401 - fixtures, found by name
    Auth,
    admin,
    csrf_token,
    quick_password_hashing,
)
from tests.helpers import url_map_routes
from tests.web.routes import route_paths

HOSTILE = [0, LARGEST_ID, LARGEST_ID + 1, 2**63 - 1, 2**63, 2**64, 10**30]


def numbered_routes(app) -> list[tuple[str, object]]:
    """(method, rule) for every rule with a number in its path."""
    return [(method, rule) for method, rule in url_map_routes(app)
            if any(isinstance(c, NumberConverter) for c in rule._converters.values())]


@pytest.mark.usefixtures("admin", "quick_password_hashing")
def test_no_number_in_any_route_answers_500(app, client, sample):
    routes = numbered_routes(app)
    assert len(routes) >= 15  # threads, posts' tools, citations, imports, flags...
    for signed_in in (False, True):
        form = {}
        if signed_in:
            assert Auth(client).login("ada").status_code == 302
            form = {"csrf_token": csrf_token(client, "/mod/")}
        for method, rule in routes:
            for number in HOSTILE:
                for path in route_paths(rule, number):
                    response = client.open(path, method=method, data=form)
                    assert response.status_code < 500, (method, path, signed_in)


def test_an_id_too_large_for_a_column_is_a_plain_404(client, sample):
    for path in (f"/t/{2**63}/", f"/api/v1/threads/{10**30}", f"/citations/{2**64}/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"Traceback" not in response.data
    assert client.get(f"/api/v1/threads/{2**63}").is_json
