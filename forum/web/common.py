"""Request helpers shared by the HTML and JSON blueprints."""

from __future__ import annotations

from flask import abort, current_app, request
from werkzeug.routing.converters import IntegerConverter

# The largest value of the databases' INTEGER columns (PostgreSQL's is 32-bit).
LARGEST_ID = 2**31 - 1


class DatabaseId(IntegerConverter):
    """`<int:...>` in every route: a number a database column can hold.

    A larger one (2^63, 10^30) matched no row anyway, but reached the query
    and failed in the driver (SQLite: OverflowError; PostgreSQL: out of
    range) as a 500.  Now it matches no route: a 404 like any missing page.
    """

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def page_arg(name: str = "page") -> int:
    """The `?page=` number: 1 when absent, a 400 when it is not a positive integer."""
    raw = request.args.get(name)
    if raw is None:
        return 1
    # isdigit() alone accepts "²", which int() refuses.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < 1:
        abort(400, description=f"'{name}' must be a whole number from 1 up.")
    return int(raw)


def per_page() -> int:
    """The configured listing size (FORUM_PAGE_SIZE may come from the environment)."""
    try:
        return max(1, int(current_app.config.get("FORUM_PAGE_SIZE", 50)))
    except (TypeError, ValueError):
        return 50
