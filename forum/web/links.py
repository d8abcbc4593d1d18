"""Links a list page makes by the hundred, without building each with url_for.

A search page links every hit to its post, author, groups and thread, and
every facet, sort and page to another search: about a hundred `url_for` calls,
a tenth of the page's time.  Each such link has one varying part, so the route
is built once per request with a marker in that place, and each link is the
marker replaced by the value as the route's own converter writes it.  Tests
check the result equals `url_for`'s for any value.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import current_app, g, url_for
from werkzeug.routing.converters import NumberConverter

_MARKER = "LINK-MARKER-7f3a"
_NUMBER_MARKER = 987_654_321_987_654
# The characters werkzeug leaves unescaped in a query string.
_QUERY_SAFE = "!$'()*,/:;?@"


def link(endpoint: str, value, external: bool = False) -> str:
    """`url_for(endpoint, <its one argument>=value, _external=external)`."""
    head, tail, converter = _shape(endpoint, external)
    return f"{head}{converter.to_url(value)}{tail}"


def query_link(endpoint: str, params: dict) -> str:
    """`url_for(endpoint, **params)` for a route without arguments: its path
    with `params` (None values left out) as the query string."""
    shapes = _shapes()
    path = shapes.get((endpoint, "query"))
    if path is None:
        path = shapes[(endpoint, "query")] = url_for(endpoint)
    items = [(key, value) for key, value in params.items() if value is not None]
    return f"{path}?{urlencode(items, safe=_QUERY_SAFE)}" if items else path


def _shape(endpoint: str, external: bool) -> tuple:
    shapes = _shapes()
    shape = shapes.get((endpoint, external))
    if shape is None:
        shape = shapes[(endpoint, external)] = _build_shape(endpoint, external)
    return shape


def _build_shape(endpoint: str, external: bool) -> tuple:
    rule = next(current_app.url_map.iter_rules(endpoint))
    (name,) = rule.arguments
    converter = rule._converters[name]
    marker = _NUMBER_MARKER if isinstance(converter, NumberConverter) else _MARKER
    values: dict[str, Any] = {name: marker}  # not mistaken for url_for's own options
    built = url_for(endpoint, _external=external, **values)
    head, _, tail = built.partition(str(marker))
    return head, tail, converter


def _shapes() -> dict:
    """Shapes for this request (the site's root path may differ per request)."""
    shapes = g.get("_link_shapes")
    if shapes is None:
        shapes = g._link_shapes = {}
    return shapes
