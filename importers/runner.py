"""The import loop: parsers feed the one door in batches; every message is counted.

A batch is archived in one savepoint and committed.  If anything in it fails,
the batch is retried one message per savepoint, so one bad message is
quarantined with its reason and the rest still land: an import never aborts.
The report always balances: read = imported + duplicates + quarantined + skipped.
A stop asked for (the first Ctrl-C) ends the run at the next message, recorded
as failed with the counts its last commit wrote.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import update

from forum.extensions import DbSession, write_intent
from forum.models import ImportProblemRecord, ImportRun
from forum.services import news_pulls
from forum.services.citation_scan import suggest_citations
from forum.services.import_runs import settle_abandoned_runs, this_worker
from forum.services.posting import Archiver
from forum.services.propagation import Settings, check_new_posts
from forum.services.queue_hints import record_claim_hints
from forum.services.references import record_references
from forum.services.search import import_indexing
from forum.services.takedowns import hold_changes
from importers.base import ImportProblem, IncomingMessage
from importers.interrupts import (
    interrupt_behind,
    raise_interrupt_behind,
    release_frames,
)
from importers.nntp import NewsPuller, parse_news_url
from importers.pipeline import prepared, read_sources
from importers.report import COUNTS, ImportReport, Tally
from importers.sources import default_group_for, is_news_url, with_group

logger = logging.getLogger(__name__)

# Messages read between progress reports (besides one after each batch).
PROGRESS_EVERY = 100


@dataclass
class ImportOptions:
    fmt: str = "auto"
    group: str | None = None
    honour_no_archive: bool = True
    thread_by_subject: bool = False
    batch_size: int = 1000
    keep_raw: bool = True
    # Same-claim checks of new posts against labelled claims (the app's).
    claim_settings: Settings = field(default_factory=Settings)
    # For news servers that want a login (AUTHINFO USER/PASS).
    news_user: str | None = None
    news_password: str | None = None


class ImportRunner:
    """Runs one import over some sources and records it as an ImportRun."""

    def __init__(self, session: DbSession, options: ImportOptions | None = None,
                 progress: Callable[[int], None] | None = None, *,
                 stop: threading.Event | None = None) -> None:
        self.session = session
        self.options = options or ImportOptions()
        self.progress = progress
        # Set (by a Ctrl-C handler) to stop at the next message: see `_stop_if_asked`.
        self.stop = stop or threading.Event()
        self.report = ImportReport()
        self._tally = Tally(self.report)
        # Articles a news pull expects to read, once it has asked the server.
        self.expected_messages: int | None = None
        self._news: tuple[str, dict[str, int]] | None = None

    def run(self, sources: Iterable[str]) -> ImportReport:
        """Import every source, commit batch by batch, return the balanced report.

        A run that dies (an error, Ctrl-C) is recorded as failed with its reason
        before the exception goes on; one killed outright is found by the next
        run (`settle_abandoned_runs`).
        """
        with write_intent():
            self._started = time.perf_counter()
            run = self._start_run([str(s) for s in sources])
            try:
                return self._run(run, [str(s) for s in sources])
            except BaseException as exc:
                release_frames(exc)
                self._fail_run(run, interrupt_behind(exc) or exc)
                raise_interrupt_behind(exc)
                raise

    def _run(self, run: ImportRun, sources: list[str]) -> ImportReport:
        archiver = Archiver(
            self.session, run_id=run.id,
            honour_no_archive=self.options.honour_no_archive,
            thread_by_subject=self.options.thread_by_subject,
            keep_raw=self.options.keep_raw,
        )
        self._indexing = import_indexing(self.session)
        files = [source for source in sources if not is_news_url(source)]
        try:
            for source, messages in read_sources(files, self.options.fmt,
                                                 self.options.group,
                                                 self.options.keep_raw):
                self._import_source(archiver, source, messages)
            for url in (source for source in sources if is_news_url(source)):
                self._pull_news(archiver, url)
            self._stop_if_asked()
        except BaseException:
            self._indexing.abandon()
            raise
        self._indexing.close()
        archiver.finish()
        self.report.threads = archiver.threads_created
        self._finish_run(run)
        return self.report

    # -- per source -----------------------------------------------------------

    def _import_source(self, archiver: Archiver, source: str, messages) -> None:
        batch: list[IncomingMessage] = []
        fallback_group = self.options.group or default_group_for(source)
        try:
            for item in messages:
                self._stop_if_asked()
                self.report.read += 1
                if self.progress and self.report.read % PROGRESS_EVERY == 0:
                    self.progress(self.report.read)
                if isinstance(item, ImportProblem):
                    self._tally.problem(item)
                    continue
                if not item.groups:
                    item.groups = [fallback_group]
                batch.append(item)
                if len(batch) >= self.options.batch_size:
                    self._archive_batch(archiver, batch)
                    batch = []
        except Exception as exc:  # noqa: BLE001 - a broken source must not abort
            raise_interrupt_behind(exc)
            logger.info("import of %s stopped early: %s", source, exc)
            self._tally.source_error(source, exc)
        self._archive_batch(archiver, batch)

    def _stop_if_asked(self) -> None:
        """Stop here if asked to: between messages no statement is running.

        A KeyboardInterrupt raised by the signal itself can land inside a
        database call and leave its connection half-closed; raised here, the
        batch not yet written is simply dropped and the run fails cleanly.
        """
        if self.stop.is_set():
            raise KeyboardInterrupt

    # -- news servers --------------------------------------------------------------

    def _pull_news(self, archiver: Archiver, url: str) -> None:
        """A news server's groups, from after the article last read from each.

        The highest number read per group is recorded with each batch's
        commit (`_archive_batch`), so a pull that dies resumes after the last
        article kept.
        """
        try:
            news = parse_news_url(url)
            after = news_pulls.high_water(self.session, news.server, news.groups)
            puller = NewsPuller(news, user=self.options.news_user,
                                password=self.options.news_password, after=after)
        except Exception as exc:  # noqa: BLE001 - a bad URL is a source error
            self._tally.source_error(url, exc)
            return
        source = f"{news.server}/{','.join(news.groups)}"
        self._news = (news.server, {})
        try:
            with puller:
                plans = puller.plan()
                self.expected_messages = (self.expected_messages or 0) + sum(
                    plan.count_estimate for plan in plans)
                items = with_group(self._marked(puller), self.options.group)
                self._import_source(archiver, source,
                                    prepared(items, self.options.keep_raw))
        except Exception as exc:  # noqa: BLE001 - the server: a source error
            raise_interrupt_behind(exc)
            logger.info("pull from %s stopped: %s", source, exc)
            self._tally.source_error(source, exc)
        finally:
            self._news = None

    def _marked(self, items):
        """The pulled items, each group's highest number noted as it is read;
        a group the server lacks is a source error, not a message read."""
        assert self._news is not None, "only while a pull runs"
        marks = self._news[1]
        for item in items:
            if isinstance(item, ImportProblem) and item.kind == "error":
                self._tally.failed_source(item)
                continue
            group, _, number = item.position.rpartition(":")
            if number.isdigit():
                marks[group] = max(marks.get(group, 0), int(number))
            yield item

    # -- batches -------------------------------------------------------------------

    def _archive_batch(self, archiver: Archiver, batch: list[IncomingMessage]) -> None:
        if batch:
            try:
                with archiver.undoable(), self.session.begin_nested():
                    results = archiver.archive(batch)
                self._tally.count(batch, results)
            except Exception as exc:  # noqa: BLE001 - retried message by message
                raise_interrupt_behind(exc)
                logger.info("batch failed (%s); retrying one by one", exc)
                self._archive_one_by_one(archiver, batch)
        self._suggest_citations(archiver)
        changed = self._tally.new_ids | archiver.changed_post_ids
        hold_changes(self.session, changed)
        self._save_problems()
        self._indexing.queue(changed)
        self._record_progress()
        if self._news is not None:  # the articles and how far they reach, at once
            news_pulls.advance(self.session, *self._news)
            self._news[1].clear()
        self.session.commit()
        self._tally.committed()
        self._indexing.pump()
        archiver.changed_post_ids.clear()
        if self.progress:
            self.progress(self.report.read)

    def _suggest_citations(self, archiver: Archiver) -> None:
        """Scan new and changed posts for research identifiers and health claims.

        Both only feed the review queue: suggestions and hints, never edits.
        """
        new_ids, prepared = self._tally.new_ids, self._tally.prepared
        post_ids = new_ids | archiver.changed_post_ids
        if not post_ids:
            return
        try:
            with self.session.begin_nested():
                suggest_citations(self.session, post_ids, {
                    post_id: p.citations for post_id, p in prepared.items()})
                record_claim_hints(self.session, post_ids, {
                    post_id: p.hints for post_id, p in prepared.items()})
                record_references(self.session, post_ids)
                check_new_posts(self.session, new_ids, self.options.claim_settings)
        except Exception as exc:  # noqa: BLE001 - suggestions never cost a message
            raise_interrupt_behind(exc)
            logger.exception("citation and claim scan failed for a batch; posts kept")

    def _archive_one_by_one(self, archiver, batch) -> None:
        for msg in batch:
            try:
                with archiver.undoable(), self.session.begin_nested():
                    results = archiver.archive([msg])
                self._tally.count([msg], results)
            except Exception as exc:  # noqa: BLE001 - quarantine, never abort
                raise_interrupt_behind(exc)
                self._tally.unstorable(msg, exc)

    # -- the run record ------------------------------------------------------------

    def _start_run(self, sources: list[str]) -> ImportRun:
        settle_abandoned_runs(self.session)
        run = ImportRun(
            started_at=_now(), sources="\n".join(sources), format=self.options.fmt,
            group_name=self.options.group, status="running", worker=this_worker(),
            heartbeat_at=_now(),
        )
        self.session.add(run)
        self.session.commit()
        self.report.run_id = run.id
        self._tally.committed()  # what a failure goes back to, at the least
        return run

    def _save_problems(self) -> None:
        """The problems and notes met since the last commit, as rows to commit."""
        problems, notes = self._tally.take()
        for problem in problems:
            self.session.add(ImportProblemRecord(
                run_id=self.report.run_id, kind=problem.kind,
                source=problem.source, position=problem.position[:255],
                reason=problem.reason, excerpt=problem.excerpt,
            ))
        for note in notes:
            self.session.add(ImportProblemRecord(
                run_id=self.report.run_id, kind=note.kind, source=note.source,
                position=note.position[:255], reason=note.reason, post_id=note.post_id,
            ))

    def _record_progress(self) -> None:
        """The counts so far and a heartbeat, committed with each batch."""
        r = self.report
        r.seconds = time.perf_counter() - self._started
        self.session.execute(update(ImportRun).where(ImportRun.id == r.run_id)
                             .values(heartbeat_at=_now(), **r.counts()))

    def _finish_run(self, run: ImportRun) -> None:
        """Record the end; a failure written meanwhile (another process took this
        run for dead) was wrong, and is cleared."""
        self._save_problems()
        self._record_progress()
        r = self.report
        self.session.execute(update(ImportRun).where(ImportRun.id == r.run_id).values(
            finished_at=_now(), failure=None,
            status="finished" if r.balanced() else "unbalanced"))
        self.session.commit()
        logger.info("import run %s finished: %s", run.id, r.to_dict())

    def _take_committed_counts(self, run: ImportRun) -> None:
        """The counts the last commit wrote with its batch.  The tally's are a
        batch behind if a second Ctrl-C landed between that commit and
        `Tally.committed`."""
        self.session.refresh(run)
        for name in COUNTS:
            if name != "seconds":
                setattr(self.report, name, getattr(run, name))

    def _fail_run(self, run: ImportRun, exc: BaseException) -> None:
        """Record the run as failed with its reason; what was committed stays."""
        reason = (f"{type(exc).__name__}: {exc}" if str(exc)
                  else type(exc).__name__)[:2000]
        try:
            self.session.rollback()
            self._tally.back()
            self._take_committed_counts(run)
            self._record_progress()
            self.session.execute(update(ImportRun).where(ImportRun.id == run.id)
                                 .values(status="failed", failure=reason,
                                         finished_at=_now()))
            self.session.commit()
        except Exception:  # noqa: BLE001 - the first error is the one to raise
            logger.exception("could not record import run %s as failed", run.id)
            self.session.rollback()
        logger.info("import run %s failed: %s", run.id, reason)  # the caller
        # gets the exception; the run record keeps the reason


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
