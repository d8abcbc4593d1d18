"""Helpers shared by test modules (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"
SEEDS = REPO.parent / "shared" / "seeds"


def corpus(*parts: str) -> Path:
    """Path into ../shared/corpora, skipping the test when it is not there."""
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"corpus not available: {path}")
    return path


def generated_corpus(folder: Path, messages: int, seed: int) -> Path:
    """A synthetic mbox from the benchmark's generator (../shared/bench)."""
    import subprocess
    import sys

    generator = REPO.parent / "shared" / "bench" / "gen_corpus.py"
    if not generator.exists():
        pytest.skip(f"corpus generator not available: {generator}")
    mbox = folder / "corpus.mbox"
    subprocess.run([sys.executable, str(generator), "--messages", str(messages),
                    "--seed", str(seed), "--out", str(mbox), "--quiet"], check=True)
    return mbox


def url_map_routes(app) -> list[tuple[str, object]]:
    """(method, rule) for every rule of the app's URL map answering GET or POST."""
    return [(method, rule) for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods & {"GET", "POST"})]


def route_path(rule, number: int) -> str:
    """The rule's path with every number argument `number` and any other "x".

    Built without the converters' checks: tests feed numbers a route refuses.
    """
    from werkzeug.routing.converters import NumberConverter

    path = rule.rule
    for name, converter in rule._converters.items():
        value = str(number) if isinstance(converter, NumberConverter) else "x"
        for form in (f"<{name}>", f"<int:{name}>", f"<path:{name}>"):
            path = path.replace(form, value)
    assert "<" not in path, f"fill in {path}"
    return path


def real_posts() -> int:
    """Stored posts, not counting ghosts (the placeholders for missing parents),
    through the app's session."""
    from sqlalchemy import func, select

    from forum.extensions import db
    from forum.models import Post

    return db.session.scalar(
        select(func.count()).select_from(Post).where(Post.is_ghost.is_(False)))
