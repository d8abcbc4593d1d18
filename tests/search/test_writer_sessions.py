"""The backends' shared index, delete and clear (forum.search.backends.common):
each is one writer session that commits, and none at all for nothing."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from forum.search.backends.common import WriterBusy, WriterSessions
from tests.search.test_contract import POSTS, document


class RecordingWriter:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def add(self, documents, *, new=False):
        self.calls.append(("add", [doc.post_id for doc in documents]))

    def delete(self, post_ids):
        self.calls.append(("delete", list(post_ids)))

    def clear(self):
        self.calls.append(("clear",))

    def commit(self):
        self.calls.append(("commit",))


class RecordingBackend(WriterSessions[RecordingWriter]):
    name = "recording"

    def __init__(self, busy: bool = False) -> None:
        self.busy, self.sessions, self.sessions_given = busy, 0, []
        self.written = RecordingWriter()

    @contextmanager
    def writer(self, *, wait=True, bulk=False, session=None):
        self.sessions += 1
        self.sessions_given.append(session)
        yield None if self.busy else self.written


def test_each_change_is_one_writer_session_that_commits():
    backend = RecordingBackend()
    assert backend.index((document(*post) for post in POSTS[:2]),
                         session="the caller's") == 2
    assert backend.delete(iter([7, 8, 9])) == 3
    backend.clear()
    assert backend.written.calls == [("add", [1, 2]), ("commit",),
                                     ("delete", [7, 8, 9]), ("commit",),
                                     ("clear",), ("commit",)]
    assert backend.sessions_given == ["the caller's", None, None]


def test_nothing_to_index_or_delete_takes_no_writer():
    backend = RecordingBackend(busy=True)
    assert backend.index([]) == 0 and backend.delete(iter([])) == 0
    assert backend.sessions == 0


def test_a_writer_still_busy_after_the_wait_is_an_error():
    backend = RecordingBackend(busy=True)
    with pytest.raises(WriterBusy, match="recording index writer"):
        backend.index([document(*POSTS[0])])
    with pytest.raises(WriterBusy):
        backend.clear()
