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

    mbox = folder / "corpus.mbox"
    subprocess.run([sys.executable, str(REPO.parent / "shared" / "bench" /
                    "gen_corpus.py"), "--messages", str(messages), "--seed",
                    str(seed), "--out", str(mbox), "--quiet"], check=True)
    return mbox
