"""Read side of the archive: what a public reader may see, and in what order.

The rules live in `visibility` (hidden posts are never shown; ghosts and
hidden posts stay in a tree only as placeholders); the reading is shared out
by subject: `archive_groups` (groups, a group's threads and months),
`archive_threads` (threads, their first posts and main groups, feeds),
`archive_posts` (a permalink's post and its page, authors) and
`archive_runs` (import runs and their problems).  This module gathers them
under the one name views, commands and the news server read through:
`archive.get_thread(...)`, `archive.VISIBLE`.
"""

from __future__ import annotations

from forum.services.archive_groups import (
    ThreadRow,
    get_group,
    group_archive_months,
    group_threads,
    list_groups,
)
from forum.services.archive_posts import (
    PostContext,
    author_by_slug,
    author_posts,
    get_post_by_id,
    get_post_by_permalink,
    post_context,
)
from forum.services.archive_runs import (
    get_import_run,
    import_run_problems,
    list_import_runs,
    problem_permalinks,
    runs_with_problems,
)
from forum.services.archive_threads import (
    ThreadEntry,
    first_visible_posts,
    get_thread,
    main_group,
    main_groups,
    newest_posts,
)
from forum.services.pagination import Page, paginate
from forum.services.visibility import (
    LISTING_ONLY,
    MISSING,
    UNAVAILABLE,
    VISIBLE,
    ids_with_visible_subtree,
)

__all__ = [
    "LISTING_ONLY",
    "MISSING",
    "UNAVAILABLE",
    "VISIBLE",
    "Page",
    "PostContext",
    "ThreadEntry",
    "ThreadRow",
    "author_by_slug",
    "author_posts",
    "first_visible_posts",
    "get_group",
    "get_import_run",
    "get_post_by_id",
    "get_post_by_permalink",
    "get_thread",
    "group_archive_months",
    "group_threads",
    "ids_with_visible_subtree",
    "import_run_problems",
    "list_groups",
    "list_import_runs",
    "main_group",
    "main_groups",
    "newest_posts",
    "paginate",
    "post_context",
    "problem_permalinks",
    "runs_with_problems",
]
