"""What the engine backends share; no engine is imported here.

Every backend's `index`, `delete` and `clear` is one session of its own
writer that commits (`WriterSessions`), and every engine indexes the same
four text fields, which a query's field names map onto (`FIELD_MAP`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

from forum.extensions import DbSession
from forum.search.documents import PostDocument
from forum.search.interface import IndexWriter

# The text fields every engine indexes, and those a query's field means
# (`forum.search.ast.TEXT_FIELDS`; None is every text field).
TEXT_FIELDS = ("subject", "author", "new", "quoted")
FIELD_MAP: dict[str | None, tuple[str, ...]] = {
    None: TEXT_FIELDS,
    "subject": ("subject",),
    "author": ("author",),
    "body": ("new", "quoted"),
    "new": ("new",),
    "quoted": ("quoted",),
}

# A longer run of letters (a uuencoded line, base64) is not a word anyone
# seeks: the engines that can leave such runs out of the index do.
MAX_WORD = 255

W = TypeVar("W", bound=IndexWriter)


class WriterBusy(RuntimeError):
    """Another process held the index writer for longer than the wait."""


class WriterSessions(ABC, Generic[W]):
    """`index`, `delete` and `clear` (of `SearchIndex`) through the backend's
    own `writer`: each is one writer session that commits.

    Nothing is written for no documents or no ids.  A writer still held by
    another process once the wait is over raises WriterBusy.
    """

    name: str

    @abstractmethod
    def writer(self, *, wait: bool = True, bulk: bool = False,
               session: DbSession | None = None) -> AbstractContextManager[W | None]:
        """The backend's writer (see `SearchIndex.writer`)."""

    @contextmanager
    def waiting_writer(self, session: DbSession | None = None) -> Iterator[W]:
        """The writer, waited for; WriterBusy if the wait was not enough."""
        with self.writer(session=session) as writer:
            if writer is None:
                raise WriterBusy(f"the {self.name} index writer stayed busy "
                                 "past the wait")
            yield writer

    def index(self, documents: Iterable[PostDocument], *,
              session: DbSession | None = None) -> int:
        """Add or replace documents in one commit; returns how many."""
        docs = list(documents)
        return self._in_one_commit(docs, lambda writer: writer.add(docs), session)

    def delete(self, post_ids: Iterable[int], *,
               session: DbSession | None = None) -> int:
        """Remove posts (hidden, purged) in one commit; returns how many ids."""
        ids = list(post_ids)
        return self._in_one_commit(ids, lambda writer: writer.delete(ids), session)

    def clear(self) -> None:
        """Empty the index (a rebuild starts from here)."""
        with self.waiting_writer() as writer:
            writer.clear()
            writer.commit()

    def _in_one_commit(self, items: Sized, change: Callable[[W], None],
                       session: DbSession | None) -> int:
        """`change` and a commit in one writer session (none for no items);
        returns how many items."""
        if len(items):
            with self.waiting_writer(session) as writer:
                change(writer)
                writer.commit()
        return len(items)


def describe_folder(name: str, folder: Path | None, pattern: str) -> dict[str, Any]:
    """`describe()` for an index in `folder` (None: in memory), whose size is
    that of the files there matching `pattern`."""
    if folder is None:
        return {"backend": name, "location": "memory", "bytes": 0}
    size = sum(p.stat().st_size for p in folder.glob(pattern) if p.is_file())
    return {"backend": name, "location": str(folder), "bytes": size}
