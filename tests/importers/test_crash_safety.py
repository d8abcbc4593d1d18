"""An import killed with SIGKILL part-way, then run again, leaves the archive and
the search index exactly as an uninterrupted import does, and the killed run
is recorded as failed, not "running" for ever.

CI imports two of the twenty 20news tarballs (about 2,000 articles); with
FORUM_CRASH_FULL=1 (`make crash-test`) it takes all twenty (19,997 articles).
"""

from __future__ import annotations

import os
import signal

import pytest
from sqlalchemy import create_engine, text

from tests.helpers import corpus
from tests.processes import (
    app_env,
    flask,
    posts_stored,
    scratch_database,
    start_flask,
    wait_while_running,
)

KINDS = ["sqlite", "postgresql"]
FEW = ["comp.graphics", "sci.med"]
QUERIES = ["magnesium", "\"graphics card\"", "subject:jpeg -gif"]


def _tarballs() -> list[str]:
    folder = corpus("usenet-20news", "groups")
    if os.environ.get("FORUM_CRASH_FULL"):
        return sorted(str(p) for p in folder.glob("*.tar.xz"))
    return [str(folder / f"{name}.tar.xz") for name in FEW]


def _archive(url: str) -> dict:
    """What the archive holds, by Message-ID only (ids differ between runs)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            posts = conn.execute(text(
                "SELECT p.message_id, p.is_ghost, p.subject, p.body_text, p.date, "
                "parent.message_id, p.truncated FROM posts p "
                "LEFT JOIN posts parent ON parent.id = p.parent_id")).all()
            threads = conn.execute(text(
                "SELECT thread_id, message_id FROM posts")).all()
            citations = conn.execute(text(
                "SELECT p.message_id, c.key, pc.status FROM post_citations pc "
                "JOIN posts p ON p.id = pc.post_id "
                "JOIN citations c ON c.id = pc.citation_id")).all()
            groups = conn.execute(text(
                "SELECT p.message_id, g.name FROM post_groups pg "
                "JOIN posts p ON p.id = pg.post_id "
                "JOIN groups g ON g.id = pg.group_id")).all()
            runs = conn.execute(text(
                "SELECT status, failure FROM import_runs ORDER BY id")).all()
    finally:
        engine.dispose()
    members: dict[int, set] = {}
    for thread_id, mid in threads:
        members.setdefault(thread_id, set()).add(mid)
    return {
        "posts": sorted(map(tuple, posts), key=repr),
        "threads": sorted(sorted(m) for m in members.values()),
        "citations": sorted(map(tuple, citations)),
        "groups": sorted(map(tuple, groups)),
        "runs": [tuple(r) for r in runs],
    }


def _hits(env: dict) -> dict[str, list[str]]:
    found = {}
    for query in QUERIES:
        done = flask(env, "search", "query", "--json", "--limit", "1000", query,
                     check=False)
        assert done.returncode in (0, 1), done.stderr
        found[query] = sorted(line.split('"permalink": ')[1]
                              for line in done.stdout.splitlines())
    return found


def _kill_part_way(env: dict, url: str, sources: list[str]) -> int:
    """Start the import, SIGKILL its process once posts are committed; how many."""
    proc = start_flask(env, "import", *sources, "--batch-size", "200")
    wait_while_running(proc, lambda: posts_stored(url) >= 400, timeout=300)
    assert proc.poll() is None, "the import finished before it could be killed"
    stored = posts_stored(url)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    return stored


@pytest.mark.parametrize("kind", KINDS)
def test_a_killed_import_run_again_equals_a_clean_import(kind, tmp_path):
    sources = _tarballs()
    with scratch_database(kind, tmp_path / "killed") as killed_url, \
            scratch_database(kind, tmp_path / "clean") as clean_url:
        (tmp_path / "killed").mkdir(exist_ok=True)
        (tmp_path / "clean").mkdir(exist_ok=True)
        killed = app_env(tmp_path / "killed" / "data", killed_url)
        clean = app_env(tmp_path / "clean" / "data", clean_url)

        stored_at_kill = _kill_part_way(killed, killed_url, sources)
        runs = flask(killed, "imports", "list").stdout
        assert "\tfailed\t" in runs and "\trunning\t" not in runs, runs
        rerun = flask(killed, "import", *sources, "--batch-size", "200")
        flask(clean, "import", *sources, "--batch-size", "200")

        after_kill, after_clean = _archive(killed_url), _archive(clean_url)
        total = sum(1 for p in after_clean["posts"] if not p[1])
        print(f"\n{kind}: {len(sources)} tarballs, {total} articles; killed after "
              f"{stored_at_kill} stored; rerun: {rerun.stdout.strip()}")
        assert stored_at_kill < total
        for part in ("posts", "threads", "citations", "groups"):
            assert after_kill[part] == after_clean[part], part
        status, failure = after_kill["runs"][0]
        assert status == "failed" and "ended without finishing" in failure
        assert [s for s, _ in after_kill["runs"][1:]] == ["finished"]

        for env in (killed, clean):
            verify = flask(env, "search", "verify")
            assert verify.stdout.startswith("missing 0, stale 0, extra 0"), \
                verify.stdout
        assert _hits(killed) == _hits(clean)
        assert any(_hits(clean).values())
