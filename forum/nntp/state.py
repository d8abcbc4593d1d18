"""What a news connection has selected: its group and current article.

The command dispatcher (`forum.nntp.commands.Reader`) and the retrieval
commands (`forum.nntp.retrieval`) both work on it, so it sits below both.
"""

from __future__ import annotations

from forum.extensions import DbSession
from forum.services.nntp_articles import GroupInfo


class ReaderState:
    """A connection's session, selected group and current article number."""

    def __init__(self, session: DbSession) -> None:
        self.session = session
        self.group: GroupInfo | None = None
        self.current: int | None = None

    def select(self, group: GroupInfo) -> None:
        self.group = group
        self.current = group.low if group.count else None
