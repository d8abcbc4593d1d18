"""ARCHITECTURE.md and CONTRIBUTING.md name only paths that exist: a map that
points at a moved or deleted file misleads the newcomer it was written for."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_CODE = re.compile(r"`([^`\s]+)`")


def named_paths(text: str) -> list[str]:
    """The code spans that are paths in the repository: with a slash, or a
    file name (`../shared/...` lies outside it and is not checked)."""
    return [span for span in _CODE.findall(text)
            if re.fullmatch(r"[\w./*-]+", span) and not span.startswith("../")
            and ("/" in span or span.endswith((".py", ".md")))]


def missing_paths(text: str, root: Path) -> list[str]:
    return [path for path in named_paths(text)
            if not (any(root.glob(path)) if "*" in path else (root / path).exists())]


def test_every_path_in_the_architecture_map_exists():
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert len(named_paths(text)) > 30
    assert missing_paths(text, REPO) == []


def test_every_path_in_the_contributors_guide_exists():
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert len(named_paths(text)) > 10
    assert missing_paths(text, REPO) == []


def test_a_moved_file_is_caught(tmp_path):
    (tmp_path / "forum").mkdir()
    (tmp_path / "forum" / "here.py").write_text("")
    text = ("`forum/here.py`, `forum/gone.py`, `forum/h*.py`, `forum/x*.py`, `a b`, "
            "`../elsewhere/x.py`")
    assert missing_paths(text, tmp_path) == ["forum/gone.py", "forum/x*.py"]
