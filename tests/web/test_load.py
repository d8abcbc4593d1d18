"""Readers, moderators and an import at once, against a real gunicorn: no 5xx,
no moderator action lost, the import complete (a short run of bench/load.py;
latency figures come from the bench, never from a test)."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest

from bench.loadgen import Load, check_moderation, site_from
from tests.helpers import REPO, generated_corpus
from tests.processes import BIN, app_env, flask, gunicorn, scratch_database

PASSWORD = "load-test-password-1"
SAMPLE = REPO / "samples" / "health-forum-sample.mbox.gz"
QUERIES = ["magnesium", "\"muscle cramps\"", "sleep -coffee", "subject:pain"]


def create_moderator(env: dict, name: str) -> None:
    done = subprocess.run([str(BIN / "flask"), "--app", "forum", "users", "create",
                           name, "--role", "moderator", "--password-stdin"],
                          env=env, cwd=REPO, input=PASSWORD + "\n",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def run_load(port: int, site, env: dict, extra) -> tuple[Load, str]:
    """4 readers throughout; 2 moderators doing 18 actions each (two rounds of
    hide, restore and label over 6 posts of their own) while the import runs."""
    # Readers never ask for the posts moderators hide (those answer 404).
    theirs = site.set_aside(12)
    state = Load(port, site)
    readers = [threading.Thread(target=state.read, args=(seed,)) for seed in range(4)]
    moderators = [threading.Thread(target=state.moderate, args=(
        f"mod{n + 1}", PASSWORD, theirs[n * 6:(n + 1) * 6], 0.0, 18))
        for n in range(2)]
    for thread in readers + moderators:
        thread.start()
    time.sleep(1)
    state.importing.set()
    began = time.monotonic()
    imported = flask(env, "import", str(extra), "--batch-size", "200")
    state.importing.clear()
    print(f"import: {began:.2f} .. {time.monotonic():.2f}")
    for thread in moderators:
        thread.join(timeout=300)
    state.stop.set()
    for thread in readers:
        thread.join(timeout=120)
    return state, imported.stdout


def timeline(state: Load) -> str:
    """Reader requests: start, duration, path (why few ran during the import)."""
    return "\n".join(f"{s.started:.2f} +{s.seconds:.2f}s {s.status} {s.path}"
                     for s in sorted(state.samples, key=lambda s: s.started))


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_readers_moderators_and_an_import_at_once(kind, tmp_path):
    with scratch_database(kind, tmp_path) as url:
        env = app_env(tmp_path / "data", url)
        flask(env, "import", str(SAMPLE), "--group", "misc.health")
        for name in ("mod1", "mod2"):
            create_moderator(env, name)
        extra = generated_corpus(tmp_path, 2500, seed=2)
        site = site_from(url, QUERIES)
        with gunicorn(env, workers=3) as base:
            state, report = run_load(int(base.rsplit(":", 1)[1]), site, env, extra)
        lost = check_moderation(url, state.actions)
        runs = flask(env, "imports", "list").stdout

    assert not state.errors, state.errors
    failed = [(s.path, s.status) for s in state.samples if s.status >= 500]
    failed += [(a.kind, a.status) for a in state.actions if a.status >= 500]
    during = sum(s.importing for s in state.samples)
    print(f"\n{kind}: {len(state.samples)} reader requests ({during} during the "
          f"import), {len(state.actions)} moderator actions, {len(failed)} 5xx, "
          f"{len(lost)} lost")
    assert failed == []
    assert {s.status for s in state.samples} <= {200}
    assert during >= 4, timeline(state)
    assert len(state.actions) == 36
    assert {a.status for a in state.actions} == {302}
    assert {a.kind for a in state.actions} == {"hide", "restore", "label"}
    assert lost == []
    assert "imported 2500" in report
    assert [line.split("\t")[2] for line in runs.splitlines()] == ["finished"] * 2
