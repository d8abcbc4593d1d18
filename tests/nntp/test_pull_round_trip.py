"""The archive's news server read by the archive's own news pull: a group
served here and pulled into a fresh archive arrives whole, as the same
threads, with nothing hidden and no address."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, func, select, text

from forum.extensions import db
from forum.models import Post, PostGroup
from forum.services.archive import VISIBLE
from forum.services.mbox_export import message_id_for
from tests.processes import app_env, flask


def test_a_group_pulled_from_our_server_arrives_as_the_same_threads(
        news_server, sample, tmp_path):
    group = sample.group
    served = db.session.execute(
        select(Post.permalink, Post.thread_id).join(PostGroup)
        .where(PostGroup.group_id == group.id, *VISIBLE)).all()
    url = f"nntp://{news_server.host}:{news_server.port}/{group.name}"
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    env = app_env(tmp_path / "fresh", fresh)
    done = flask(env, "import", url, "--json", check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["read"] == report["imported"] == len(served)

    engine = create_engine(fresh)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT message_id, thread_id, subject, body_text FROM posts "
                "WHERE is_ghost = 0")).all()
            last = conn.scalar(text("SELECT last_number FROM news_pulls"))
    finally:
        engine.dispose()
    assert {f"<{row.message_id}>" for row in rows} == {
        message_id_for(permalink) for permalink, _ in served}
    # The same threads: posts that shared a thread here share one there.
    here = {message_id_for(p): t for p, t in served}
    there = {f"<{row.message_id}>": row.thread_id for row in rows}
    assert _partition(here) == _partition(there)
    assert "SECRET" not in " ".join(row.subject + row.body_text for row in rows)
    assert last == db.session.scalar(
        select(func.max(PostGroup.post_id)).join(Post)
        .where(PostGroup.group_id == group.id, *VISIBLE))

    again = flask(env, "import", url, "--json")
    assert json.loads(again.stdout.strip().splitlines()[-1])["read"] == 0


def _partition(threads: dict[str, int]) -> set[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for message_id, thread in threads.items():
        groups.setdefault(thread, set()).add(message_id)
    return {frozenset(ids) for ids in groups.values()}
