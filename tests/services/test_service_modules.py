"""The archive's read side and its one door were split by subject; the names
views, commands, the news server, importers and benchmarks read from
`forum.services.archive` and `forum.services.posting` are still there."""

from __future__ import annotations

import importlib

import pytest

from forum.services.sql_chunks import chunks
from forum.services.visibility import ids_with_visible_subtree

USED = {
    "forum.services.archive": [
        "LISTING_ONLY", "MISSING", "UNAVAILABLE", "VISIBLE", "Page", "PostContext",
        "ThreadEntry", "ThreadRow", "author_by_slug", "author_posts",
        "first_visible_posts", "get_group", "get_import_run", "get_post_by_id",
        "get_post_by_permalink", "get_thread", "group_archive_months",
        "group_threads", "ids_with_visible_subtree", "import_run_problems",
        "list_groups", "list_import_runs", "main_group", "main_groups",
        "newest_posts", "paginate", "post_context", "problem_permalinks",
        "runs_with_problems",
    ],
    "forum.services.posting": ["Archiver", "ArchiveResult", "archive_message"],
}


@pytest.mark.parametrize("name", sorted(USED))
def test_the_old_homes_export_every_name_in_use(name):
    module = importlib.import_module(name)
    assert sorted(set(USED[name]) - set(module.__all__)) == []
    assert [n for n in module.__all__ if not hasattr(module, n)] == []


def test_chunks_cover_the_values_in_order():
    assert [list(c) for c in chunks(list(range(7)), 3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunks([], 3)) == []


def test_a_tree_keeps_hidden_posts_and_ghosts_with_replies():
    # (id, parent, is ghost): ghost 1 has a reply (2), ghost 3 has none.
    posts = [(1, None, True), (2, 1, False), (3, 2, True), (4, None, False)]
    assert ids_with_visible_subtree(posts) == {1, 2, 4}
