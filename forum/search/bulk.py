"""How an import keeps the index in step: the outbox, one writer, a second core.

Each batch's posts are queued in the batch's own transaction (for a backend in
the database, indexed in it).  After the batch commits, the outbox is applied
through one writer held for the whole import: for the first CHILD_AFTER posts
in the importing process itself, then by an indexer process beside it, which
reads the posts, builds their documents and feeds the engine on the other
core while the import parses and stores the next batches (measured at 100,000
posts: 1,140 -> 2,000+ posts/s).  The writer commits when another process's
change is waiting, or every BULK_COMMIT_ROWS posts or BULK_COMMIT_SECONDS;
outbox rows are deleted only after the index committed.

If the importer dies, the indexer dies with it and the rows stay queued for
the next writer; if another process holds the writer, the import only queues
and the holder applies.  `close()` returns once everything the import stored
is searchable.
"""

from __future__ import annotations

import logging
import time
from contextlib import AbstractContextManager
from multiprocessing.queues import Queue

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from forum.extensions import DbSession
from forum.search.documents import busy_posts, documents_for
from forum.search.interface import IndexWriter, SearchIndex
from forum.search.processes import ChildProcess, die_with_parent, next_message
from forum.search.sync import (
    delete_outbox_rows,
    drain_outbox,
    outbox_rows,
    queue_posts,
)

logger = logging.getLogger(__name__)
BULK_COMMIT_ROWS = 25_000
BULK_COMMIT_SECONDS = 20.0
# Starting the indexer process costs about a second: small imports (and the
# test suite's hundreds of them) index in the importing process instead.
CHILD_AFTER = 4_000
CHILD_POLL = 0.5
PUMP_ROWS = 5_000  # in the database: one transaction's share of the outbox


class OutboxApplier:
    """Applies outbox rows through one writer held for long (an import's)."""

    def __init__(self, index: SearchIndex, session: DbSession) -> None:
        self.index, self.session = index, session
        self._context: AbstractContextManager[IndexWriter | None] | None = None
        self.writer: IndexWriter | None = None
        self._applied: dict[int, bool] = {}  # outbox row id -> queued by an import
        self._last_commit = time.monotonic()
        self.total = 0

    def take_writer(self, wait: bool = False) -> bool:
        if self.writer is not None:
            return True
        context = self.index.writer(wait=wait, bulk=True)
        writer = context.__enter__()
        if writer is None:
            context.__exit__(None, None, None)
            return False
        self._context, self.writer = context, writer
        return True

    def pump(self) -> int:
        """Apply every row not applied yet; commit when due.  Returns how many."""
        if self.index.in_database:
            return self._pump_in_database()
        if not self.take_writer():
            return 0
        writer = self.writer
        assert writer is not None, "take_writer() holds one when it returns true"
        rows = [row for row in outbox_rows(self.session)
                if row[0] not in self._applied]
        if rows:
            docs, gone = documents_for(self.session, {post for _, post, _ in rows})
            self.session.rollback()
            writer.delete(gone)
            writer.add(docs)
            self._applied.update((row_id, bulk) for row_id, _, bulk in rows)
            self.total += len(rows)
        if self._commit_due():
            self.commit()
        return len(rows)

    def _pump_in_database(self) -> int:
        """Documents written and rows deleted in one transaction of the database.

        The posts are share-locked first, skipping any another transaction is
        changing (their rows wait for the next pump): a moderator's change to a
        post waits for this commit and then writes its own document after it,
        so the later change always wins, and this transaction never waits for
        an import's or a moderator's, so the two can never deadlock.
        """
        rows = outbox_rows(self.session, limit=PUMP_ROWS)
        if not rows:
            return 0
        busy = busy_posts(self.session, {post for _, post, _ in rows})
        docs, gone = documents_for(
            self.session, {post for _, post, _ in rows if post not in busy})
        with self.index.writer(session=self.session) as writer:
            assert writer is not None, "the database backend never refuses a writer"
            writer.delete(gone)
            writer.add(docs)
        done = [row_id for row_id, post, _ in rows if post not in busy]
        delete_outbox_rows(self.session, done)
        self.total += len(done)
        return len(done)

    def finish(self, patience: float = 10.0) -> None:
        """Apply everything; rows of posts busy in another transaction are
        retried for a while (a moderator's transaction is short), then left
        for the next writer."""
        deadline = time.monotonic() + patience
        while True:
            applied = self.pump()
            if not self.index.in_database or not outbox_rows(self.session, limit=1):
                return
            if applied:
                continue
            if time.monotonic() > deadline:
                logger.warning("search: posts still busy; their rows stay queued")
                return
            self.session.rollback()
            time.sleep(0.05)

    def commit(self) -> None:
        if self._applied and self.writer is not None:
            self.writer.commit()
            delete_outbox_rows(self.session, list(self._applied))
            self._applied = {}
        self._last_commit = time.monotonic()

    def let_go(self) -> None:
        """Release the writer (uncommitted work is dropped; its rows stay)."""
        context, self._context, self.writer = self._context, None, None
        self._applied = {}
        if context is not None:
            context.__exit__(None, None, None)

    def _commit_due(self) -> bool:
        if not self._applied:
            return False
        foreign = not all(self._applied.values())
        return (foreign or len(self._applied) >= BULK_COMMIT_ROWS
                or time.monotonic() - self._last_commit >= BULK_COMMIT_SECONDS)


class ImportIndexing:
    """The import runner's one handle on search (see the module docstring)."""

    def __init__(self, index: SearchIndex, session: DbSession,
                 child_after: int = CHILD_AFTER) -> None:
        self.index, self.session = index, session
        self.off = index.name == "null"  # search switched off: nothing to keep
        self.outboxed = not self.off
        self.child_after = child_after
        self.applier = OutboxApplier(index, session) if self.outboxed else None
        self.child: IndexerProcess | None = None
        self.child_failed = False
        if self.outboxed:
            self.pump()  # rows an earlier, interrupted run left behind

    def queue(self, post_ids: set[int]) -> None:
        """Before the batch commits: its posts go into the outbox.

        Even for a backend in the database: its documents are then written
        beside the import (by the indexer process) instead of in the batch's
        transaction, which took as long as storing the posts.
        """
        if post_ids and not self.off:
            queue_posts(self.session, post_ids, bulk=True)

    def pump(self) -> None:
        """After the batch committed: apply what waits (or let the indexer know)."""
        if self.applier is None:  # not outboxed
            return
        if self.child is not None:
            try:
                self.child.nudge()
                return
            except RuntimeError as error:  # it died: this process goes on alone
                self._lose_child(error)
        self.applier.pump()
        if (self.applier.total >= self.child_after and _shareable(self.index)
                and not self.child_failed):
            self._hand_over()

    def close(self) -> None:
        """Commit and let go, so the import is searchable when this returns."""
        if self.applier is None:  # not outboxed
            return
        try:
            if self.child is not None:
                self._close_child()
            else:
                self.applier.pump()
                self.applier.commit()
        finally:
            self.applier.let_go()
        from forum.extensions import db

        if self.index.in_database:
            OutboxApplier(self.index, self.session).finish()  # what others queued
        else:
            drain_outbox(self.index, lambda: Session(bind=db.engine))

    def _close_child(self) -> None:
        """Let the indexer finish; if it has failed, apply what it left here.

        Its rows are still in the outbox (a row goes only when its document
        is committed), so nothing is lost: this process takes the writer back.
        """
        assert self.child is not None and self.applier is not None
        try:
            self.child.close()
        except RuntimeError as error:
            self._lose_child(error)
            self.applier.take_writer(wait=True)
            self.applier.pump()
            self.applier.commit()

    def _lose_child(self, error: Exception) -> None:
        logger.warning("search: %s; the import indexes the rest itself", error)
        assert self.child is not None
        self.child.stop()
        self.child, self.child_failed = None, True

    def abandon(self) -> None:
        """Stop without committing (the import failed); the rows stay queued."""
        if self.child is not None:
            self.child.stop()
        if self.applier is not None:
            self.applier.let_go()

    def _hand_over(self) -> None:
        """Commit, let go of the writer and start the indexer process with it."""
        assert self.applier is not None
        self.applier.commit()
        self.applier.let_go()
        self.child = IndexerProcess(self.index, self.session)


def _shareable(index: SearchIndex) -> bool:
    """Whether another process can open this index (on disk, or in the database)."""
    return index.in_database or getattr(index, "folder", None) is not None


class IndexerProcess(ChildProcess[str]):
    """The indexer beside an import: a process applying the outbox as it grows."""

    def __init__(self, index: SearchIndex, session: DbSession) -> None:
        bind = session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        settings = {
            "database_url": engine.url.render_as_string(hide_password=False),
            "backend": index.name, "folder": str(getattr(index, "folder", "")),
        }
        super().__init__(_indexer_main, (settings,), inbox_size=2,
                         name="search indexer")

    def nudge(self) -> None:
        """A batch has committed: there is work (dropped if a nudge is waiting)."""
        import queue as queues

        self._raise_if_failed()
        try:
            self._inbox.put_nowait("pump")
        except queues.Full:
            pass

    def close(self) -> None:
        """Ask the indexer to apply everything and commit; wait until it has.

        Raises RuntimeError (with the indexer's own error where it sent one)
        if the indexer has stopped: a full inbox must not block for good.
        """
        import queue as queues

        while True:
            try:
                self._inbox.put("close", timeout=1)
                break
            except queues.Full:
                self._raise_if_failed()
        self._wait_for("closed")
        self._process.join(timeout=60)

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=10)


def _indexer_main(settings: dict[str, str], inbox: Queue[str], acks: Queue[str],
                  parent: int) -> None:
    """The indexer process: hold the writer, apply the outbox until told to stop."""
    from sqlalchemy import create_engine

    from forum.extensions import configure_sqlite
    from forum.search.backends import open_on_disk

    die_with_parent()
    engine = create_engine(settings["database_url"])
    configure_sqlite(engine)
    index: SearchIndex
    try:
        if settings["backend"] == "postgres":
            from forum.search.backends.postgres import PostgresIndex

            index = PostgresIndex(engine)
        else:
            index = open_on_disk(settings["backend"], settings["folder"])
        with Session(bind=engine) as session:
            applier = OutboxApplier(index, session)
            if not applier.take_writer(wait=True):
                raise RuntimeError("could not take the index writer")
            while next_message(inbox, parent, CHILD_POLL, wait=False) != "close":
                applier.pump()
            applier.finish()
            applier.commit()
            applier.let_go()
        acks.put("closed")
    except BaseException as exc:  # noqa: BLE001 - reported to the importer
        acks.put(f"{type(exc).__name__}: {exc}")
        raise
    finally:
        engine.dispose()
