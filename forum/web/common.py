"""Request helpers shared by the HTML and JSON blueprints."""

from __future__ import annotations

from flask import abort, current_app, request


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
