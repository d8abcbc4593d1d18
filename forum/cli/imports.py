"""`flask import` (files and news servers) and `flask imports` (the recorded runs)."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from forum.cli.progress import Progress
from forum.extensions import db
from importers.detect import FORMAT_CHOICES
from importers.streams import METER


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
    130 when interrupted (recorded as failed too): Ctrl-C stops at the next
    message, a second Ctrl-C at once.
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
        with _stop_on_ctrl_c(runner.stop):
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


@contextmanager
def _stop_on_ctrl_c(stop: threading.Event) -> Iterator[None]:
    """The first Ctrl-C asks the import to stop at the next message; a second
    one interrupts wherever it lands.

    The handler only sets `stop` and says so with one raw write (a buffered
    write from a signal handler can land inside the progress bar's own).
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only; nothing to catch here
        return

    def ask_to_stop(_signum, _frame) -> None:
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            os.write(2, b"\nstopping at the next message "
                        b"(Ctrl-C again to stop at once)\n")
        except OSError:
            pass

    previous = signal.signal(signal.SIGINT, ask_to_stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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
    from forum.models import ImportRun
    from forum.services.import_runs import settle_abandoned_runs
    from forum.text.masking import mask_addresses

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
