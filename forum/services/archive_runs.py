"""Reading import runs for the /imports/ pages: the runs, newest first, and
the problems each met (a run whose process died is settled first, so it
never reads "running" for ever)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from forum.errors import NotFound
from forum.extensions import db
from forum.models import ImportProblemRecord, ImportRun, Post
from forum.services.import_runs import settle_abandoned_runs
from forum.services.pagination import Page, paginate
from forum.services.visibility import VISIBLE


def list_import_runs(page: int = 1, per_page: int = 50) -> Page:
    """Recorded import runs, newest first (a run whose process died says so)."""
    settle_abandoned_runs(db.session)
    stmt = select(ImportRun).order_by(ImportRun.started_at.desc(), ImportRun.id.desc())
    return paginate(stmt, page, per_page)


def get_import_run(run_id: int) -> ImportRun:
    """One import run, or NotFound."""
    settle_abandoned_runs(db.session)
    run = db.session.get(ImportRun, run_id)
    if run is None:
        raise NotFound(f"There is no import run {run_id}.")
    return run


def import_run_problems(run: ImportRun, page: int = 1, per_page: int = 100) -> Page:
    """The problems one import run recorded, in the order it met them."""
    stmt = (
        select(ImportProblemRecord)
        .where(ImportProblemRecord.run_id == run.id)
        .order_by(ImportProblemRecord.id)
    )
    return paginate(stmt, page, per_page)


def problem_permalinks(problems: Sequence[ImportProblemRecord]) -> dict[int, str]:
    """post id -> permalink for the visible posts a run's repairs are about."""
    ids = {p.post_id for p in problems if p.post_id}
    if not ids:
        return {}
    rows = db.session.execute(select(Post.id, Post.permalink)
                              .where(Post.id.in_(ids), *VISIBLE))
    return {post_id: permalink for post_id, permalink in rows}


def runs_with_problems(run_ids: Sequence[int]) -> dict[int, int]:
    """Problem counts per run id, in one query."""
    if not run_ids:
        return {}
    stmt = (
        select(ImportProblemRecord.run_id, func.count())
        .where(ImportProblemRecord.run_id.in_(run_ids))
        .group_by(ImportProblemRecord.run_id)
    )
    return {run_id: count for run_id, count in db.session.execute(stmt)}
