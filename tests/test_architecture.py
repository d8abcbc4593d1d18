"""The dependency direction, checked by reading every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules(folder: str, exclude: tuple[str, ...] = ()) -> list[Path]:
    return [p for p in sorted((REPO / folder).rglob("*.py"))
            if p.name not in exclude]


def offending(paths, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        bad = [n for n in imports_of(path)
               if any(n == f or n.startswith(f + ".") for f in forbidden)]
        if bad:
            found[str(path.relative_to(REPO))] = sorted(bad)
    return found


@pytest.mark.parametrize(
    ("folder", "exclude", "forbidden"),
    [
        # Parsers are pure: files in, messages out (the runner and its reader
        # process are the archive's side of the door).
        ("importers", ("runner.py", "pipeline.py"), ("forum", "flask", "sqlalchemy")),
        # Models hold data only.
        ("forum/models", (), ("forum.services", "forum.web", "forum.search",
                              "whoosh", "flask")),
        # Views go through services; only markup touches the sanitiser.
        ("forum/web", (), ("whoosh", "nh3", "forum.search", "importers")),
        ("forum/services", (), ("forum.web", "flask")),
        # The news server reads through services, outside any request.
        ("forum/nntp", (), ("forum.web", "flask", "whoosh", "importers",
                            "forum.search")),
        # Citation parsing and lookup are a library: text and HTTP in, data out.
        ("forum/citations", (), ("flask", "sqlalchemy", "forum.models",
                                 "forum.services", "forum.web")),
    ],
)
def test_dependency_direction(folder, exclude, forbidden):
    assert offending(modules(folder, exclude), forbidden) == {}


def test_only_markup_imports_the_sanitiser():
    users = [str(p.relative_to(REPO)) for p in modules("forum")
             if "nh3" in imports_of(p)]
    assert users in ([], ["forum/markup.py"])
