"""The Whoosh backend: the only module that imports whoosh.

The engine named in the project's brief, kept as a supported backend
(`FORUM_SEARCH_BACKEND=whoosh`); tantivy is faster at every size we measured.
One searcher is kept open per process and refreshed when the index changed
(opening one per query is what makes HyperKitty's search slow).  One writer
at a time across processes (`WriterLock`); an import indexes in a child
process beside it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import datetime, time
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh import sorting
from whoosh.analysis import Filter, Token, Tokenizer
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import RamStorage

from forum.search import ast
from forum.search.backends.whoosh_sets import SearcherSets
from forum.search.documents import PostDocument
from forum.search.interface import SearchHits
from forum.search.processes import die_with_parent, next_message, wait_for_ack
from forum.search.words import WORD

logger = logging.getLogger(__name__)


class FoldedWords(Tokenizer):
    """Words exactly as the query parser makes them (forum.search.words).

    `Straße` and `STRASSE` are one word, `www.ncbi.nlm.nih.gov` is five.  One
    pass over the folded text (rather than a tokenizer plus a filter) matters:
    the analyzer runs once per word of every post indexed.  Character offsets
    are not kept (the app highlights on its own), so folding may change length.
    """

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        words = WORD.findall(value.casefold()) if tokenize else [value.casefold()]
        for pos, word in enumerate(words, start_pos):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
            yield token


class CaseFoldFilter(Filter):
    """The analyzer of indexes written before FoldedWords; kept so they open.

    `flask --app forum search rebuild` moves such an index to FoldedWords.
    """

    def __call__(self, tokens):
        for token in tokens:
            token.text = token.text.casefold()
            yield token


ANALYZER = FoldedWords()
FIELD_MAP = {
    None: ("subject", "author", "new", "quoted"),
    "subject": ("subject",),
    "author": ("author",),
    "body": ("new", "quoted"),
    "new": ("new",),
    "quoted": ("quoted",),
}
WRITER_OPTIONS = {"limitmb": 64, "timeout": 120.0, "delay": 0.05}
# An import's writer gets a larger buffer and commits every BULK_COMMIT_DOCS
# posts without merging: merges were half the indexer's CPU when every commit
# merged small segments (profiled at 100,000 posts).  close() merges once.
BULK_WRITER_OPTIONS = {**WRITER_OPTIONS, "limitmb": 128}
BULK_COMMIT_DOCS = 10_000
# Whoosh's own multi-process writer: sub-writers on the other cores each
# build a segment (measured 334 -> 663 posts/s with 2 on a 2-core machine).
BULK_PROCS = min(os.cpu_count() or 1, 4)
BULK_MP_MIN_DOCS = 2000
LOCK_NAME = "forum-writer.lock"


def make_schema() -> Schema:
    """Fields: text for words, keywords for exact filters, columns for facets."""
    return Schema(
        id=ID(stored=True, unique=True),
        thread=ID,
        subject=TEXT(analyzer=ANALYZER, phrase=True),
        author=TEXT(analyzer=ANALYZER, phrase=True),
        new=TEXT(analyzer=ANALYZER, phrase=True),
        quoted=TEXT(analyzer=ANALYZER, phrase=True),
        group=KEYWORD(commas=True, lowercase=True, scorable=False),
        date=DATETIME(sortable=True),
        year=NUMERIC(sortable=True),
        author_key=ID(sortable=True),
        label=KEYWORD(commas=True, lowercase=True),
        has=KEYWORD(commas=True, lowercase=True),
        pmid=KEYWORD(commas=True),
        stamp=STORED,
    )


class _PrivateRamStorage(RamStorage):
    """RAM storage whose writers spill to a temporary folder of their own.

    Whoosh names that folder after the index ("MAIN.tmp" in the system's temp
    folder), so two processes with RAM indexes (two test runs) would write to
    one folder and delete it under each other.
    """

    def temp_storage(self, name=None):
        return super().temp_storage(None)


class WhooshIndex:
    """A Whoosh index on disk (or in RAM for unit tests)."""

    name = "whoosh"
    in_database = False

    def __init__(self, ix, folder: str | None = None) -> None:
        self.ix = ix
        self.folder = folder
        self._searcher = None
        self._sets: SearcherSets | None = None
        self._lock = threading.Lock()
        self._exclusive = WriterLock(Path(folder) / LOCK_NAME if folder else None)

    @classmethod
    def on_disk(cls, folder: str | Path) -> WhooshIndex:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        if whoosh_index.exists_in(str(folder)):
            return cls(whoosh_index.open_dir(str(folder)), str(folder))
        return cls(whoosh_index.create_in(str(folder), make_schema()), str(folder))

    @classmethod
    def in_memory(cls) -> WhooshIndex:
        return cls(_PrivateRamStorage().create_index(make_schema()))

    # -- writing -----------------------------------------------------------------

    @contextmanager
    def writer(self, *, wait: bool = True, bulk: bool = False, session=None):
        """Exclusive write access; None when another process has it and not `wait`.

        Whoosh's own lock is taken only while a window of changes is written;
        this one is held for the whole session, so changes reach the index in
        the order they were made, even while an import's indexer child writes.
        """
        if not self._exclusive.acquire(wait):
            yield None
            return
        try:
            if bulk and self.folder is not None:
                child = BulkIndexer(self.folder)
                try:
                    yield child
                finally:
                    child.close()
            else:
                yield _WindowWriter(self.ix)
        finally:
            self._exclusive.release()

    def index(self, documents: Iterable[PostDocument], *, session=None) -> int:
        """Add or replace documents in one commit; returns how many."""
        documents = list(documents)
        if documents:
            with self.writer() as writer:
                writer.add(documents)
                writer.commit()
        return len(documents)

    def delete(self, post_ids: Iterable[int], *, session=None) -> int:
        """Remove posts (hidden, purged) from the index."""
        post_ids = list(post_ids)
        if post_ids:
            with self.writer() as writer:
                writer.delete(post_ids)
                writer.commit()
        return len(post_ids)

    def clear(self) -> None:
        """Empty the index (a rebuild starts from here)."""
        with self.writer() as writer:
            writer.clear()
            writer.commit()

    def optimize(self) -> None:
        """Merge every segment into one: fastest searches, run when quiet."""
        with self.writer():
            self.ix.optimize()

    def count(self) -> int:
        return self.ix.doc_count()

    def describe(self) -> dict:
        if self.folder is None:
            return {"backend": self.name, "location": "memory", "bytes": 0}
        size = sum(p.stat().st_size for p in Path(self.folder).glob("*MAIN*"))
        return {"backend": self.name, "location": self.folder, "bytes": size}

    # -- reading -----------------------------------------------------------------

    def search(self, query: ast.Node, *, sort: str = "relevance", offset: int = 0,
               limit: int = 20, facets: bool = True) -> SearchHits:
        """Ranked post ids for one page, the exact total, and facet counts.

        Whoosh ranks only the page (skipping blocks that cannot reach it); the
        total and facets come from `SearcherSets`.  Both are remembered until
        the index changes, so paging through results or a popular query costs
        one database read and a template.
        """
        with self._lock:
            searcher = self._current_searcher()
            sets = self._sets
            assert sets is not None, "opened with the searcher"
            ids = sets.memo.fetch(
                ("page", query, sort, offset, limit),
                lambda: self._page_ids(searcher, query, sort, offset, limit),
            )
            total, counts = sets.total_and_facets(query)
            return SearchHits(ids=ids, total=total, facets=counts if facets else {})

    @staticmethod
    def _page_ids(searcher, query: ast.Node, sort: str, offset: int,
                  limit: int) -> list[int]:
        results = searcher.search(compile_query(query, searcher), limit=offset + limit,
                                  sortedby=_sort_facet(sort), terms=False)
        return [int(hit["id"]) for hit in results[offset : offset + limit]]

    def suggest(self, words: list[str]) -> dict[str, str]:
        """Spelling suggestions for words that occur nowhere in the index."""
        suggestions: dict[str, str] = {}
        with self._lock:
            searcher = self._current_searcher()
            for word in words:
                if any(searcher.doc_frequency(f, word) for f in FIELD_MAP[None]):
                    continue
                found = searcher.corrector("new").suggest(word, limit=1)
                if found:
                    suggestions[word] = found[0]
        return suggestions

    def stamps(self) -> dict[int, str]:
        """Every indexed post id with the stamp of what was indexed for it."""
        with self.ix.searcher() as searcher:
            return {int(f["id"]): f.get("stamp", "")
                    for f in searcher.all_stored_fields()}

    def _current_searcher(self):
        """The open searcher, replaced when the index changed since it was opened.

        A fresh searcher rather than `refresh()`: refresh reuses segment readers
        and was seen to keep showing a document replaced by update_document.
        """
        if self._searcher is not None and not self._searcher.up_to_date():
            self._searcher.close()
            self._searcher = None
        if self._searcher is None:
            self._searcher = searcher = self.ix.searcher()
            self._sets = SearcherSets(
                searcher.reader(), FIELD_MAP,
                walk=lambda node: searcher.docs_for_query(
                    compile_query(node, searcher)),
                prefix_words=lambda field, text, limit: _prefix_words(
                    searcher, field, text, limit),
            )
        return self._searcher


class _WindowWriter:
    """The writer of a short session: changes gather in a window until commit."""

    def __init__(self, ix) -> None:
        self.ix = ix
        self.window = _Window()

    def add(self, documents, *, new: bool = False) -> None:
        self.window.take(documents if new else [], [] if new else documents, [])

    def delete(self, post_ids) -> None:
        self.window.take([], [], list(post_ids))

    def clear(self) -> None:
        self.window = _Window(clear=True)

    def commit(self) -> None:
        if len(self.window) or self.window.clear:
            self.window.commit(self.ix.writer(**WRITER_OPTIONS), merge=True)


def _clear_segments(writer, segments):
    return []


def _fields(doc: PostDocument) -> dict:
    fields: dict[str, object] = {
        "id": str(doc.post_id), "thread": str(doc.thread_id),
        "subject": doc.subject, "author": doc.author, "new": doc.new_text,
        "quoted": doc.quoted_text, "group": ",".join(doc.groups),
        "author_key": doc.author or "(unknown)", "stamp": doc.stamp,
        "label": ",".join(doc.labels), "pmid": ",".join(doc.pmids),
        "has": ",".join(doc.has),
    }
    if doc.date is not None:
        fields["date"] = doc.date
        fields["year"] = doc.date.year
    return fields


def _sort_facet(sort: str):
    """Newest or oldest first, undated posts last either way.

    Whoosh gives an undated post the column's filler (the largest number), so
    a plain reversed date sort would put undated posts first.
    """
    if sort not in ("date", "oldest"):
        return None
    newest = sort == "date"
    undated = DATETIME(sortable=True).default

    def key(value) -> tuple[int, int]:
        if value is None or value >= undated:
            return (1, 0)
        return (0, -value if newest else value)

    return sorting.TranslateFacet(key, sorting.FieldFacet("date"))


# -- compiling the query tree ------------------------------------------------------


def compile_query(node: ast.Node, searcher) -> wq.Query:
    """Turn the engine-independent tree into Whoosh query objects."""
    match node:
        case ast.Term(text=text, field=field):
            return _any_field(field, lambda f: wq.Term(f, text))
        case ast.Phrase(words=words, field=field):
            if len(words) == 1:
                return _any_field(field, lambda f: wq.Term(f, words[0]))
            return _any_field(field, lambda f: wq.Phrase(f, list(words)))
        case ast.Prefix(text=text, field=field, limit=limit):
            return _any_field(field, lambda f: _capped_prefix(searcher, f, text, limit))
        case ast.Exact(field=field, value=value):
            return wq.Term(field, value.lower() if field != "thread" else value)
        case ast.DateRange(start=start, end=end):
            return wq.DateRange("date", _at_midnight(start), _at_midnight(end),
                                endexcl=True)
        case ast.Not(child=child):
            return wq.Not(compile_query(child, searcher))
        case ast.And(children=children):
            return wq.And([compile_query(c, searcher) for c in children])
        case ast.Or(children=children):
            return wq.Or([compile_query(c, searcher) for c in children])
    raise TypeError(f"not a query node: {node!r}")


def _any_field(field: str | None, make) -> wq.Query:
    fields = FIELD_MAP[field]
    if len(fields) == 1:
        return make(fields[0])
    return wq.Or([make(f) for f in fields])


def _capped_prefix(searcher, field: str, text: str, limit: int) -> wq.Query:
    """`word*` as an OR of at most `limit` indexed words, most frequent first."""
    words = _prefix_words(searcher, field, text, limit)
    if not words:
        return wq.NullQuery
    return wq.Or([wq.Term(field, w) for w in words])


def _prefix_words(searcher, field: str, text: str, limit: int) -> list[str]:
    words = list(searcher.reader().expand_prefix(field, text))
    if len(words) > limit:
        words.sort(key=lambda w: -searcher.doc_frequency(field, w))
        words = words[:limit]
    return words


def _at_midnight(day) -> datetime | None:
    return datetime.combine(day, time.min) if day is not None else None


# -- bulk indexing in a second process ---------------------------------------------


class BulkIndexer:
    """Index an import's batches in a child process while the import goes on.

    Parsing, deduplicating and storing run in the importing process; the index
    writer runs beside it on the other core, so an import runs at the speed of
    the slower of the two rather than their sum.  The child writes a segment
    every BULK_COMMIT_DOCS posts; `commit()` waits until it has written what
    it was sent, and `close()` merges and waits for the child to end.
    """

    def __init__(self, folder: str) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self._queue = context.Queue(maxsize=4)
        self._acks = context.Queue()
        self._process = context.Process(
            target=_bulk_worker,
            args=(folder, self._queue, self._acks, os.getpid()),
            # Not a daemon: it starts Whoosh's sub-writers.  It stops by
            # itself if the importing process dies (forum.search.processes).
            name="forum-search-indexer", daemon=False,
        )
        self._process.start()

    def add(self, documents, *, new: bool = False) -> None:
        self._put(("docs", list(documents) if new else [],
                   [] if new else list(documents), []))

    def delete(self, post_ids) -> None:
        self._put(("docs", [], [], list(post_ids)))

    def clear(self) -> None:
        self._put(("clear",))

    def commit(self) -> None:
        """Wait until the child has written everything sent so far."""
        self._put(("commit",))
        self._wait_for("committed")

    def close(self) -> None:
        """Finish: merge segments, wait for the child, raise what it raised."""
        if self._process.is_alive():
            self._queue.put(None)
            self._wait_for("closed")
        self._process.join()
        if self._process.exitcode:
            raise RuntimeError(f"search indexer exited with {self._process.exitcode}")

    def _put(self, item) -> None:
        if not self._process.is_alive():
            self._wait_for("running")  # raises the child's error
        self._queue.put(item)

    def _wait_for(self, what: str) -> None:
        wait_for_ack(self._process, self._acks, what, "Whoosh indexer")


def _bulk_worker(folder: str, queue, acks, parent: int) -> None:
    die_with_parent()
    try:
        ix = WhooshIndex.on_disk(folder).ix
        window = _Window()
        while (item := next_message(queue, parent)) is not None:
            if item[0] == "commit":
                window.commit(_bulk_writer(ix, window), merge=False)
                acks.put("committed")
                continue
            if item[0] == "clear":
                window = _Window(clear=True)
                continue
            window.take(*item[1:])
            if len(window) >= BULK_COMMIT_DOCS:
                window.commit(_bulk_writer(ix, window), merge=False)
        # The last commit merges the small segments (Whoosh's MERGE_SMALL), so
        # an import leaves a few segments of BULK_COMMIT_DOCS, not hundreds.
        window.commit(_bulk_writer(ix, window), merge=True)
        acks.put("closed")
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        acks.put(f"{type(exc).__name__}: {exc}")
        raise


class _Window:
    """Posts waiting for the next commit; the last version of a post wins.

    A Whoosh writer can delete only from committed segments, so a post added
    and then changed before a commit would be indexed twice if each version
    went to the writer.  Keeping the window here also means the index's lock
    is held only while a window is written, not while the import parses.
    """

    def __init__(self, clear: bool = False) -> None:
        self.docs: dict[int, PostDocument] = {}
        self.replace: set[int] = set()  # may be in committed segments
        self.clear = clear  # drop every committed segment at the next commit

    def __len__(self) -> int:
        return len(self.docs) + len(self.replace)

    def take(self, new, changed, gone) -> None:
        for doc in new:
            self.docs[doc.post_id] = doc
        for doc in changed:
            if doc.post_id not in self.docs:
                self.replace.add(doc.post_id)
            self.docs[doc.post_id] = doc
        for post_id in gone:
            self.docs.pop(post_id, None)
            self.replace.add(post_id)

    def commit(self, writer, merge: bool) -> None:
        if not len(self) and not merge and not self.clear:
            writer.cancel()
            return
        try:
            if not self.clear:
                for post_id in self.replace:
                    writer.delete_by_term("id", str(post_id))
            for doc in self.docs.values():
                writer.add_document(**_fields(doc))
        except BaseException:
            writer.cancel()
            raise
        if self.clear:
            writer.commit(mergetype=_clear_segments)
        else:
            writer.commit(merge=merge)
        self.docs, self.replace, self.clear = {}, set(), False


def _bulk_writer(ix, window: _Window):
    """Sub-writers pay off for a big window; a small one is written in place.

    A window that clears the index is written in place too: clearing drops
    the committed segments through `mergetype`, which only the plain writer
    takes.
    """
    if BULK_PROCS > 1 and len(window) >= BULK_MP_MIN_DOCS and not window.clear:
        return ix.writer(procs=BULK_PROCS, multisegment=True, **BULK_WRITER_OPTIONS)
    return ix.writer(**BULK_WRITER_OPTIONS)


class WriterLock:
    """One writer at a time across processes: flock on a file beside the index.

    The kernel drops the lock when its holder dies, even by SIGKILL.  A RAM
    index (no file) uses a lock of this process.
    """

    def __init__(self, path: Path | None, timeout: float = 120.0) -> None:
        self.path, self.timeout = path, timeout
        self._thread_lock = threading.Lock()
        self._fd: int | None = None

    def acquire(self, wait: bool) -> bool:
        if not self._thread_lock.acquire(timeout=self.timeout if wait else 0):
            return False
        if self.path is None:
            return True
        import fcntl
        import time as clock

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = clock.monotonic() + (self.timeout if wait else 0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._fd = fd
                return True
            except BlockingIOError:
                if clock.monotonic() >= deadline:
                    os.close(fd)
                    self._thread_lock.release()
                    return False
                clock.sleep(0.02)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file drops the flock
            self._fd = None
        self._thread_lock.release()
