"""The packages brought under mypy stay clean (the list: pyproject.toml)."""

from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parent.parent


def test_typed_packages_pass_mypy(monkeypatch):
    monkeypatch.chdir(ROOT)  # mypy reads pyproject.toml and `files` from here
    report, errors, status = api.run([])
    assert status == 0, report + errors
