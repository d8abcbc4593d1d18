"""Thin click commands: parse options, call the runner or a service, commit, print."""

from __future__ import annotations

import functools
import json
import os
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, ScriptInfo
from sqlalchemy import select

from forum.extensions import db, write_intent
from forum.progress import Progress
from importers.detect import FORMAT_CHOICES
from importers.streams import METER


def register_cli(app: Flask) -> None:
    """Attach the `import`, `db` and `imports` commands to the app.

    Every command but `db` first checks that the schema is current.
    """
    from forum.cli_evidence import citations_cli, evidence_cli, users_cli
    from forum.cli_export import export_cli
    from forum.cli_nntp import nntp_cli

    app.cli.add_command(db_cli)
    for command in (import_command, imports_cli, search_cli, users_cli,
                    citations_cli, evidence_cli, nntp_cli, export_cli):
        _needs_current_schema(command)
        app.cli.add_command(command)


def _needs_current_schema(command: click.Command) -> None:
    """Wrap the command (each of a group's) to refuse, in one line, to run
    against a database behind this version's migrations."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _needs_current_schema(sub)
        return
    if getattr(command.callback, "checks_schema", False):
        return
    callback = command.callback

    @functools.wraps(callback)
    def checked(*args, **kwargs):
        app = click.get_current_context().ensure_object(ScriptInfo).load_app()
        state = app.extensions.get("forum_schema")
        if state is not None and not state.current:
            click.echo(f"error: {state.explain()}", err=True)
            sys.exit(2)
        return callback(*args, **kwargs)

    checked.checks_schema = True
    command.callback = checked


@click.command("import")
@click.argument("sources", nargs=-1, required=True)
@click.option("--group", help="Put every message in this group.")
@click.option("--format", "fmt", default="auto", show_default=True,
              type=click.Choice(FORMAT_CHOICES, case_sensitive=False),
              help="Source format; auto recognises each source.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--include-no-archive", is_flag=True,
              help="Archive messages marked X-No-Archive: yes (skipped by default).")
@click.option("--thread-by-subject", is_flag=True,
              help="Also join messages without references to threads by subject.")
@click.option("--batch-size", default=1000, show_default=True, type=int)
@click.option("--quiet", is_flag=True, help="No progress bar (none is drawn "
              "when stderr is not a terminal either).")
@click.option("--user", envvar="NNTP_USER",
              help="News server login (AUTHINFO); the password is read from "
                   "the NNTP_PASSWORD environment variable.")
def import_command(sources, group, fmt, as_json, include_no_archive,
                   thread_by_subject, batch_size, quiet, user):
    """Import archives (mbox, Maildir, .eml, Usenet spools, pipermail, saved
    pages) or pull from a news server: nntp://HOST[:PORT]/GROUP[,GROUP...]
    (nntps:// for TLS).  A pull fetches only the articles numbered above the
    last one it read from each group.

    Exit status: 0 when every message was imported, found already archived or
    skipped for a stated reason; 1 when some were quarantined; 2 when a source
    could not be read or the run failed (recorded as failed, with its reason);
    130 when interrupted (Ctrl-C; recorded as failed too).
    """
    from importers.runner import ImportOptions, ImportRunner, is_news_url

    _check_sources(sources)
    options = ImportOptions(
        fmt=fmt, group=group, honour_no_archive=not include_no_archive,
        thread_by_subject=thread_by_subject, batch_size=max(1, batch_size),
        claim_settings=current_app.extensions["forum_claim_settings"],
        news_user=user, news_password=os.environ.get("NNTP_PASSWORD"),
    )
    quiet = quiet or as_json
    pulls = any(is_news_url(source) for source in sources)
    if pulls:
        bar = Progress("articles", quiet=quiet)
        runner = ImportRunner(db.session, options, progress=lambda read: bar.update(
            read, total=runner.expected_messages))
    else:
        bar = _import_progress(sources, quiet=quiet)
        runner = ImportRunner(db.session, options, progress=lambda read: bar.update(
            METER.done, note=f"{read:,} messages"))
    try:
        report = runner.run(sources)
    except (Exception, KeyboardInterrupt) as error:  # noqa: BLE001 - recorded
        bar.clear()  # on the run as failed, with its reason; one line here
        first = str(error).splitlines()[0] if str(error) else ""
        click.echo(f"error: import run {runner.report.run_id} failed: "
                   f"{type(error).__name__}{': ' if first else ''}{first}"[:500],
                   err=True)
        sys.exit(130 if isinstance(error, KeyboardInterrupt) else 2)
    bar.update(report.read if pulls else METER.done)
    bar.finish(note="" if pulls else f"{report.read:,} messages")
    if as_json:
        data = report.to_dict()
        data["problems"] = data["problems"][:100]
        click.echo(json.dumps(data))
    else:
        _print_report(report)
    if any(p["kind"] == "error" for p in report.problems):
        sys.exit(2)  # a whole source could not be read: let scripts notice
    if report.quarantined:
        sys.exit(1)


def _check_sources(sources) -> None:
    """Every source a news URL that reads or a path that exists, or a usage error."""
    from importers.nntp import parse_news_url
    from importers.runner import is_news_url

    for source in sources:
        if is_news_url(source):
            try:
                parse_news_url(source)
            except ValueError as error:
                raise click.BadParameter(str(error), param_hint="SOURCES") from None
        elif not os.path.exists(source):
            raise click.BadParameter(f"Path {source!r} does not exist.",
                                     param_hint="SOURCES")


def _import_progress(sources, quiet: bool) -> Progress:
    """A bar over the bytes of the files to read (compressed bytes for
    compressed files: what is on disk is what is knowable up front)."""
    from importers.pipeline import total_size

    METER.reset()
    return Progress("read", total=total_size(list(sources)) or None, unit="B",
                    quiet=quiet)


def _print_report(report) -> None:
    if not report.read and report.failed_sources:  # nothing could be read at all
        for problem in report.problems:
            click.echo(f"error: {problem['reason'].removeprefix('cannot read: ')}",
                       err=True)
        return
    click.echo(
        f"import run {report.run_id}: read {report.read}, imported {report.imported}, "
        f"duplicates {report.duplicates}, quarantined {report.quarantined}, "
        f"skipped {report.skipped} ({report.repaired} repaired, "
        f"{report.truncated} cut off), "
        f"{report.threads} new threads in {report.seconds:.1f}s"
    )
    if report.repaired or report.truncated:
        click.echo(f"  repairs and cut-off copies, message by message: "
                   f"flask --app forum imports show {report.run_id}")
    for problem in report.problems[:20]:
        click.echo(f"  {problem['kind']}: {problem['source']} "
                   f"[{problem['position']}]: {problem['reason']}")
    if len(report.problems) > 20:
        click.echo(f"  ... {len(report.problems) - 20} more: "
                   f"flask --app forum imports show {report.run_id}")


db_cli = AppGroup("db", help="Database schema.")


@db_cli.command("upgrade")
def db_upgrade():
    """Create or migrate the schema to the newest revision (Alembic), then
    make the data-only repairs a new version brings (services.repairs)."""
    from forum.migrate import upgrade
    from forum.services.evidence import seed_label_kinds
    from forum.services.repairs import repair_google_times

    upgrade()
    added = seed_label_kinds(db.session)
    repaired = repair_google_times(db.session)
    db.session.commit()
    click.echo("database is up to date"
               + (f"; {added} evidence label kinds seeded" if added else "")
               + (f"; the dates of {repaired.posts} Google Groups posts read "
                  "again as US Pacific time" if repaired.posts else ""))


imports_cli = AppGroup("imports", help="Recorded import runs.")


@imports_cli.command("list")
def imports_list():
    """List import runs with their counts."""
    from forum.models import ImportRun
    from forum.services.import_runs import settle_abandoned_runs

    settle_abandoned_runs(db.session)
    for run in db.session.scalars(select(ImportRun).order_by(ImportRun.id)):
        click.echo(f"{run.id}\t{run.started_at:%Y-%m-%d %H:%M}\t{run.status}\t"
                   f"read {run.read} imported {run.imported} dup {run.duplicates} "
                   f"quarantined {run.quarantined} skipped {run.skipped}")


@imports_cli.command("show")
@click.argument("run_id", type=int)
def imports_show(run_id):
    """One run: its counts, then every problem and repair (file, position, why)."""
    from forum.markup import mask_addresses
    from forum.models import ImportRun
    from forum.services.import_runs import settle_abandoned_runs

    settle_abandoned_runs(db.session)
    run = db.session.get(ImportRun, run_id)
    if run is None:
        raise click.ClickException(f"no import run {run_id}")
    click.echo(f"run {run.id}: {run.status}"
               + (f" ({run.failure})" if run.failure else ""))
    click.echo(f"sources: {' '.join(run.sources.splitlines())}")
    click.echo(f"read {run.read}, imported {run.imported}, duplicates "
               f"{run.duplicates}, quarantined {run.quarantined}, skipped "
               f"{run.skipped}, repaired {run.repaired}")
    for problem in run.problems:
        post = f"\tpost {problem.post_id}" if problem.post_id else ""
        click.echo(f"{problem.kind}\t{problem.source}\t{problem.position}\t"
                   f"{mask_addresses(problem.reason)}{post}")


search_cli = AppGroup("search", help="The full-text index.")


@search_cli.command("rebuild")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def search_rebuild(quiet):
    """Index every visible post again (searches use the old index until done)."""
    from forum.search import get_index
    from forum.services.search import rebuild_index

    bar = Progress("indexed", quiet=quiet)
    with write_intent():
        count = rebuild_index(db.session, progress=bar.update)
    bar.finish()
    index = get_index().describe()
    click.echo(f"indexed {count:,} posts with {index['backend']} in "
               f"{bar.elapsed():.1f}s ({index['location']})")


@search_cli.command("verify")
@click.option("--fix", is_flag=True, help="Re-index what is missing or stale.")
def search_verify(fix):
    """Report posts missing from, stale in, or extra in the index."""
    from forum.services.search import verify_index

    with write_intent():
        report = verify_index(db.session, fix=fix)
    click.echo(f"missing {len(report.missing)}, stale {len(report.stale)}, "
               f"extra {len(report.extra)}, queued {report.pending}"
               + (" (fixed)" if report.fixed else ""))
    for name in ("missing", "stale", "extra"):
        ids = getattr(report, name)
        if ids:
            click.echo(f"  {name}: {' '.join(map(str, ids[:20]))}"
                       + (" ..." if len(ids) > 20 else ""))
    if report.drift and not fix:
        sys.exit(1)


@search_cli.command("optimize")
@click.option("--rum", is_flag=True,
              help="postgres backend: move to a RUM index (needs the rum extension; "
                   "faster ranking, much slower writes).")
def search_optimize(rum):
    """Merge the index's segments (faster searches); run when the site is quiet."""
    from forum.search import get_index

    index = get_index()
    if rum and index.name != "postgres":
        raise click.UsageError("--rum is for the postgres backend only")
    try:
        index.optimize(rum=True) if rum else index.optimize()
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"index optimized ({index.describe()['location']})")


@search_cli.command("query")
@click.argument("words", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--sort", default="relevance", show_default=True,
              type=click.Choice(["relevance", "date", "oldest"]))
def search_query(words, as_json, limit, sort):
    """Search the archive from the shell: date, group, author, subject, permalink.

    Exit status 1 when nothing matched, 2 when the query can't be understood.
    """
    from forum.errors import ForumError
    from forum.services.search import search_posts

    try:
        page = search_posts(db.session, " ".join(words), sort=sort, per_page=limit,
                            facets=False)
    except ForumError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    print_hits(page, as_json)
    if not page.posts:
        sys.exit(1)


def print_hits(page, as_json: bool) -> None:
    """One line per hit (date, group, author, subject, permalink), or JSON."""
    from forum.services.search import post_group_names

    groups = post_group_names(db.session, [post.id for post in page.posts])
    for post in page.posts:
        hit = _hit(post, sorted(groups.get(post.id, [])))
        if as_json:
            click.echo(json.dumps(hit, ensure_ascii=False))
        else:
            click.echo("  ".join([hit["date"] or "????-??-??", ",".join(hit["groups"]),
                                  hit["author"], hit["subject"], hit["permalink"]]))
    if not as_json:
        shown = len(page.posts)
        click.echo(f"{shown} of {page.total:,} matching posts", err=True)


def _hit(post, groups: list[str]) -> dict:
    from forum.markup import mask_addresses

    author = post.byline or "Unknown"
    return {
        "id": post.id,
        "date": post.date.strftime("%Y-%m-%d %H:%M") if post.date else None,
        "groups": groups,
        "author": mask_addresses(author),
        "subject": mask_addresses(post.subject or "(no subject)"),
        "permalink": _permalink(post),
    }


def _permalink(post) -> str:
    from flask import url_for

    try:
        return url_for("archive.post", permalink=post.permalink, _external=True)
    except RuntimeError:  # no server name configured: the path alone
        return f"/p/{post.permalink}/"
