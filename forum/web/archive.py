"""Archive pages: groups, threads, permalinks, authors (public), their mbox
downloads; import reports.

The import reports quote raw input that could not be archived (addresses,
hidden content), so only moderators see them.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
)

from forum.extensions import db
from forum.permissions import MOD_VIEW
from forum.services import (
    archive,
    evidence_view,
    front_page,
    mbox_export,
    thread_pages,
)
from forum.services.moderation import FLAG_REASONS
from forum.web.common import page_arg, per_page
from forum.web.filters import FILTERS
from forum.web.mbox import MBOX_FILE, mbox_response
from forum.web.moderation import needs

bp = Blueprint("archive", __name__)
for _name, _filter in FILTERS.items():
    bp.add_app_template_filter(_filter, _name)

VIEWS = thread_pages.VIEWS


@bp.get("/")
def home():
    return render_template("archive/home.html", page=front_page.front_page())


@bp.get("/g/<path:name>/")
def group(name: str):
    group = archive.get_group(name)
    threads = archive.group_threads(group, page_arg(), per_page())
    return _group_page(group, threads)


@bp.get("/g/<path:name>/<int:year>/<int:month>/")
def group_month(name: str, year: int, month: int):
    group = archive.get_group(name)
    threads = archive.group_threads(group, page_arg(), per_page(), year, month)
    return _group_page(group, threads, year=year, month=month)


def _group_page(group, threads, **month):
    return render_template(
        "archive/group.html",
        group=group,
        threads=threads,
        months=archive.group_archive_months(group),
        **month,
    )


@bp.get("/t/<int:thread_id>/")
def thread(thread_id: int):
    """One page of a thread; `?post=PERMALINK` opens the page that holds it."""
    view = request.args.get("view", "tree")
    if view not in VIEWS:
        abort(400, description="'view' must be 'tree' or 'flat'.")
    thread = archive.get_thread(thread_id)
    wanted = request.args.get("post") or None
    shown = thread_pages.thread_page(
        thread, view, None if wanted else page_arg(), wanted,
        per_page("FORUM_THREAD_PAGE_SIZE"))
    entries = shown.entries
    markers = evidence_view.markers(
        db.session, [e.post.id for e in entries if e.post is not None])
    return render_template(
        "archive/thread.html", thread=thread, shown=shown, entries=entries,
        view=view, first=shown.first_post, group=archive.main_group(thread),
        markers=markers,
    )


@bp.get(f"/g/<path:name>/{MBOX_FILE}")
def group_mbox(name: str, file: str) -> Response:
    group = archive.get_group(name)
    return mbox_response(mbox_export.group_posts(group), group.name, file)


@bp.get(f"/g/<path:name>/<int:year>/<int:month>/{MBOX_FILE}")
def group_month_mbox(name: str, year: int, month: int, file: str) -> Response:
    group = archive.get_group(name)
    posts = mbox_export.group_posts(group, year, month)
    return mbox_response(posts, f"{group.name}-{year:04d}-{month:02d}", file)


@bp.get(f"/t/<int:thread_id>/{MBOX_FILE}")
def thread_mbox(thread_id: int, file: str) -> Response:
    thread = archive.get_thread(thread_id)
    return mbox_response(mbox_export.thread_posts(thread), f"thread-{thread.id}",
                         file)


@bp.get("/p/<permalink>/")
def post(permalink: str):
    post = archive.get_post_by_permalink(permalink)
    return render_template("archive/post.html", context=archive.post_context(post),
                           evidence=evidence_view.post_evidence(db.session, post),
                           flag_reasons=FLAG_REASONS)


@bp.get("/a/<slug>/")
def author(slug: str):
    author = archive.author_by_slug(slug)
    posts = archive.author_posts(author, page_arg(), per_page())
    return render_template("archive/author.html", author=author, posts=posts)


@bp.get("/imports/")
@needs(MOD_VIEW)
def imports():
    runs = archive.list_import_runs(page_arg(), per_page())
    problems = archive.runs_with_problems([run.id for run in runs.items])
    return render_template("archive/imports.html", runs=runs, problems=problems)


@bp.get("/imports/<int:run_id>/")
@needs(MOD_VIEW)
def import_run(run_id: int):
    run = archive.get_import_run(run_id)
    problems = archive.import_run_problems(run, page_arg(), per_page())
    return render_template("archive/import_run.html", run=run, problems=problems,
                           permalinks=archive.problem_permalinks(problems.items))
