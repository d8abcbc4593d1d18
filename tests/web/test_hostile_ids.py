"""Numbers no database column holds, in every route that takes one: a 404 or
another refusal, never a 500 (they overflowed the drivers before)."""

from __future__ import annotations

import pytest
from werkzeug.routing.converters import NumberConverter

from forum.web.common import LARGEST_ID
from tests.evidence.conftest import (  # noqa: F401 - fixtures, found by name
    Auth,
    admin,
    quick_password_hashing,
)

HOSTILE = [0, LARGEST_ID, LARGEST_ID + 1, 2**63 - 1, 2**63, 2**64, 10**30]


def numbered_routes(app) -> list[tuple[str, object]]:
    """(method, rule) for every rule with a number in its path."""
    return [(method, rule) for rule in app.url_map.iter_rules()
            if any(isinstance(c, NumberConverter) for c in rule._converters.values())
            for method in sorted(rule.methods & {"GET", "POST"})]


def paths(rule, number: int) -> str:
    """The rule's path with every number argument `number` (others "x")."""
    values = {name: number if isinstance(converter, NumberConverter) else "x"
              for name, converter in rule._converters.items()}
    # Build without the converters' checks: the numbers are meant to be wrong.
    path = rule.rule
    for name, value in values.items():
        for form in (f"<{name}>", *(f"<{kind}:{name}>" for kind in ("int", "path"))):
            path = path.replace(form, str(value))
    assert "<" not in path, f"fill in {path}"
    return path


@pytest.mark.usefixtures("admin", "quick_password_hashing")
def test_no_number_in_any_route_answers_500(app, client, sample):
    routes = numbered_routes(app)
    assert len(routes) >= 15  # threads, posts' tools, citations, imports, flags...
    auth = Auth(client)
    for signed_in in (False, True):
        if signed_in:
            assert auth.login("ada").status_code == 302
        for method, rule in routes:
            for number in HOSTILE:
                path = paths(rule, number)
                response = (auth.post(path, {}) if method == "POST" and signed_in
                            else client.open(path, method=method))
                assert response.status_code < 500, (method, path, signed_in)


def test_an_id_too_large_for_a_column_is_a_plain_404(client, sample):
    for path in (f"/t/{2**63}/", f"/api/v1/threads/{10**30}", f"/citations/{2**64}/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"Traceback" not in response.data
    assert client.get(f"/api/v1/threads/{2**63}").is_json
