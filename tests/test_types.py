"""The packages brought under mypy stay clean (the list: pyproject.toml)."""

import os
from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parent.parent


def test_typed_packages_pass_mypy(monkeypatch):
    monkeypatch.chdir(ROOT)  # mypy reads pyproject.toml and `files` from here
    # No cache: one left by a run over other packages replays their errors.
    report, errors, status = api.run(["--cache-dir", os.devnull])
    assert status == 0, report + errors
