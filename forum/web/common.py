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


def id_arg(name: str, what: str) -> int | None:
    """An optional `?name=` row number: None when blank, a 400 unless it is one
    a database column can hold (isdigit() alone accepts "²", which int() refuses)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10
            and int(raw) <= LARGEST_ID):
        abort(400, description=f"'{name}' must be {what} number.")
    return int(raw)


def refuse_nul() -> None:
    """A 400 for a NUL character anywhere in the path, query or form.

    No page, search or form here has a use for one, and PostgreSQL refuses
    it in any text value, so it would otherwise fail as a 500 in whichever
    query met it first.  Registered for every request in `register_web`.
    """
    fields = [*request.args.items(multi=True)]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        fields += request.form.items(multi=True)
    if "\x00" in request.path or any("\x00" in key or "\x00" in value
                                      for key, value in fields):
        abort(400, description="The address or form holds a NUL character "
                               "(%00), which nothing here accepts.")


def per_page(setting: str = "FORUM_PAGE_SIZE") -> int:
    """The configured listing size (the setting may come from the environment)."""
    try:
        return max(1, int(current_app.config.get(setting, 50)))
    except (TypeError, ValueError):
        return 50
