"""Changes gathered in a window until a commit writes them in one go."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from forum.search.backends.whoosh.schema import Ix, RawWriter, document_fields
from forum.search.documents import PostDocument

WRITER_OPTIONS: dict[str, Any] = {"limitmb": 64, "timeout": 120.0, "delay": 0.05}


class Window:
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

    def take(self, new: Iterable[PostDocument], changed: Iterable[PostDocument],
             gone: Iterable[int]) -> None:
        for doc in new:
            self.docs[doc.post_id] = doc
        for doc in changed:
            if doc.post_id not in self.docs:
                self.replace.add(doc.post_id)
            self.docs[doc.post_id] = doc
        for post_id in gone:
            self.docs.pop(post_id, None)
            self.replace.add(post_id)

    def commit(self, writer: RawWriter, merge: bool) -> None:
        if not len(self) and not merge and not self.clear:
            writer.cancel()
            return
        try:
            if not self.clear:
                for post_id in self.replace:
                    writer.delete_by_term("id", str(post_id))
            for doc in self.docs.values():
                writer.add_document(**document_fields(doc))
        except BaseException:
            writer.cancel()
            raise
        if self.clear:
            writer.commit(mergetype=_clear_segments)
        else:
            writer.commit(merge=merge)
        self.docs, self.replace, self.clear = {}, set(), False


def _clear_segments(writer: RawWriter, segments: list[Any]) -> list[Any]:
    """A merge policy that keeps none of the committed segments."""
    return []


class WindowWriter:
    """The writer of a short session: changes gather in a window until commit."""

    def __init__(self, ix: Ix) -> None:
        self.ix = ix
        self.window = Window()

    def add(self, documents: Sequence[PostDocument], *, new: bool = False) -> None:
        self.window.take(documents if new else [], [] if new else documents, [])

    def delete(self, post_ids: Iterable[int]) -> None:
        self.window.take([], [], list(post_ids))

    def clear(self) -> None:
        self.window = Window(clear=True)

    def commit(self) -> None:
        if len(self.window) or self.window.clear:
            self.window.commit(self.ix.writer(**WRITER_OPTIONS), merge=True)
