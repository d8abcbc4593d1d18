"""The archive as news articles: groups, article numbers and articles for the
read-only news server (forum/nntp).

An article number is the post's id, the same in every group it is listed in:
ids are stable and grow with each import, and RFC 3977 allows the gaps.
Only visible posts (`visibility.VISIBLE`) exist here, in counts as in lookups.
An article is the mbox export's message (`mbox_export.message_parts`:
masked addresses, redactions applied, stand-in Message-IDs), with the
Path, Newsgroups and Xref a newsreader expects.

A range is read as its article numbers (one query), then `BATCH` posts at a
time by primary key, with their ancestors and groups (a query or two more
per batch).  Posts are plain rows, not ORM objects: building 10,000 `Post`s
cost about a third of an OVER of 10,000 articles, and every article's size
needs its body rendered.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sqlalchemy import BinaryExpression, Select, bindparam, func, select

from forum.extensions import DbSession
from forum.models import Author, Group, ImportRun, Post, PostGroup
from forum.services.mbox_export import (
    ID_DOMAIN,
    Known,
    ancestor_chains,
    message_id_for,
    message_parts,
)
from forum.services.visibility import VISIBLE

BATCH = 1000
NEWS_HOST = "archive.invalid"
PATH = f"{NEWS_HOST}!not-for-mail"
# posts.id is a 32-bit integer: PostgreSQL refuses a larger bound outright,
# and RFC 3977 allows clients numbers of up to 16 digits.
MAX_NUMBER = 2**31 - 1


@dataclass(frozen=True)
class GroupInfo:
    """A group with the count and lowest/highest number of its visible posts."""

    id: int
    name: str
    description: str
    count: int
    low: int
    high: int


@dataclass
class Article:
    """One article as sent, before dot-stuffing: `head` and `body` are
    CRLF-terminated lines, encoded once (a per-line encode cost a fifth of an
    OVER of 10,000 articles); `headers` are its fields, folded with `\\n `."""

    number: int
    message_id: str
    headers: list[str]
    head: bytes
    body: bytes
    lines: int

    @property
    def bytes(self) -> int:
        """RFC 3977 :bytes: head, empty line and body, CRLF counted as two."""
        return len(self.head) + 2 + len(self.body)

    def header(self, name: str) -> str | None:
        """A field's unfolded value (case-insensitive name), or :bytes/:lines."""
        name = name.lower()
        if name == ":bytes":
            return str(self.bytes)
        if name == ":lines":
            return str(self.lines)
        return self.fields.get(name)

    @cached_property
    def fields(self) -> dict[str, str]:
        """Each field by lower-case name, unfolded (one pass for OVER's five)."""
        fields = {}
        for header in self.headers:
            key, _, value = header.partition(": ")
            fields[key.lower()] = value.replace("\n", "") if "\n" in value else value
        return fields


@dataclass
class _Author:
    name: str
    masked_email: str | None


@dataclass
class _Row:
    """The columns of a post that `message_parts` reads, duck-typing `Post`."""

    id: int
    parent_id: int | None
    permalink: str
    subject: str
    date: datetime | None
    body_text: str
    body_html: str | None
    author_name: str | None
    author: _Author | None
    is_hidden: bool = False

    @property
    def byline(self) -> str:
        """As `Post.byline`: the post's own name, else its author's."""
        if self.author_name:
            return self.author_name
        return self.author.name if self.author is not None else ""


_COLUMNS = (Post.id, Post.parent_id, Post.permalink, Post.subject, Post.date,
            Post.body_text, Post.body_html, Post.author_name, Post.author_id,
            Author.name, Author.masked_email)


# -- groups --------------------------------------------------------------------


def group_infos(session: DbSession, name: str | None = None) -> list[GroupInfo]:
    """Every group (or the one named) with its visible posts' count and range."""
    counts = (select(PostGroup.group_id, func.count().label("n"),
                     func.min(Post.id).label("low"), func.max(Post.id).label("high"))
              .join(Post, Post.id == PostGroup.post_id).where(*VISIBLE)
              .group_by(PostGroup.group_id))
    if name is not None:
        counts = counts.join(Group, Group.id == PostGroup.group_id).where(
            Group.name == name)
    per_group = counts.subquery()
    stmt = (select(Group.id, Group.name, Group.description, per_group.c.n,
                   per_group.c.low, per_group.c.high)
            .outerjoin(per_group, per_group.c.group_id == Group.id)
            .order_by(Group.name))
    if name is not None:
        stmt = stmt.where(Group.name == name)
    return [_group_info(*row) for row in session.execute(stmt)]


def _group_info(group_id: int, name: str, description: str | None,
                count: int | None, low: int | None, high: int | None) -> GroupInfo:
    # RFC 3977 6.1.1.2: an empty group reports a low mark one above its high.
    if not count or low is None or high is None:
        return GroupInfo(group_id, name, description or "", 0, 1, 0)
    return GroupInfo(group_id, name, description or "", count, low, high)


def find_group(session: DbSession, name: str) -> GroupInfo | None:
    found = group_infos(session, name)
    return found[0] if found else None


# -- numbers -------------------------------------------------------------------


def _listed(group_id: int) -> Select[tuple[int]]:
    return (select(Post.id).join(PostGroup, PostGroup.post_id == Post.id)
            .where(PostGroup.group_id == group_id, *VISIBLE))


def article_numbers(session: DbSession, group_id: int, low: int,
                    high: int) -> list[int]:
    """The numbers of a group's visible posts from `low` to `high`, ascending."""
    if low > MAX_NUMBER:
        return []
    stmt = _listed(group_id).where(Post.id >= low, Post.id <= min(high, MAX_NUMBER))
    return list(session.scalars(stmt.order_by(Post.id)))


def next_number(session: DbSession, group_id: int, after: int) -> int | None:
    """The group's next visible article after `after` (NEXT)."""
    return session.scalar(_listed(group_id).where(Post.id > after)
                          .order_by(Post.id).limit(1))


def previous_number(session: DbSession, group_id: int, before: int) -> int | None:
    """The group's visible article before `before` (LAST)."""
    return session.scalar(_listed(group_id).where(Post.id < before)
                          .order_by(Post.id.desc()).limit(1))


def permalink_of(message_id: str) -> str | None:
    """The permalink in a stand-in `<permalink@archive.invalid>`, else None.

    Only stand-ins are looked up: original Message-IDs often hold their
    author's address, and the archive never shows them.
    """
    inner = message_id[1:-1] if message_id[:1] == "<" and message_id[-1:] == ">" \
        else ""
    permalink, at, domain = inner.partition("@")
    if not at or domain.lower() != ID_DOMAIN or not permalink.isalnum():
        return None
    return permalink


def number_of(session: DbSession, message_id: str) -> int | None:
    """The article number of a visible post's stand-in Message-ID, or None."""
    permalink = permalink_of(message_id)
    if permalink is None:
        return None
    return session.scalar(select(Post.id).where(Post.permalink == permalink,
                                                *VISIBLE))


def message_id_in(session: DbSession, group_id: int, number: int) -> str | None:
    """The stand-in Message-ID of article `number` if the group lists it visibly."""
    if number > MAX_NUMBER:
        return None
    permalink = session.scalar(select(Post.permalink)
                               .join(PostGroup, PostGroup.post_id == Post.id)
                               .where(PostGroup.group_id == group_id,
                                      Post.id == number, *VISIBLE))
    return message_id_for(permalink) if permalink is not None else None


# -- articles ------------------------------------------------------------------


Source = tuple["_Row", list[str], list[str]]
"""What an article is made from: the post's row, its ancestors' permalinks and
its groups' names.  The same source always makes the same article."""


def group_sources(session: DbSession, group_id: int, low: int,
                  high: int) -> Iterator[list[Source]]:
    """A group's visible posts from `low` to `high`, ascending, a batch at a time.

    The numbers come first, in one query, then each batch by primary key:
    asked for a range of ids within a group, SQLite walks the group's whole
    listing and sorts it, so keyset batches of the joined rows read every
    body of the group once per batch.
    """
    numbers = article_numbers(session, group_id, low, high)
    stmt = (select(*_COLUMNS).outerjoin(Author, Author.id == Post.author_id)
            .where(*VISIBLE).order_by(Post.id))
    known: Known = {}  # the reply tree, learnt batch by batch (a reply's
    # ancestors were mostly read a batch or two before)
    for start in range(0, len(numbers), BATCH):
        chunk = numbers[start:start + BATCH]
        rows = [_row(*r) for r in session.execute(stmt.where(_among(chunk)))]
        if rows:
            yield _sources(session, rows, known)


def _among(numbers: list[int]) -> BinaryExpression[bool]:
    """`posts.id IN (...)` with the numbers written into the statement: a
    thousand bound parameters cost psycopg more to place than the rows took
    to read (the numbers are integers from the database)."""
    return Post.id.in_(bindparam("numbers", numbers, expanding=True,
                                 literal_execute=True))


def group_articles(session: DbSession, group_id: int, low: int,
                   high: int) -> Iterator[Article]:
    """A group's visible articles from `low` to `high`, ascending."""
    for batch in group_sources(session, group_id, low, high):
        yield from (render(*source) for source in batch)


def article(session: DbSession, number: int,
            group_id: int | None = None) -> Article | None:
    """A visible post's article by number (the same in every group), if
    listed in the group `group_id` when one is given."""
    if number > MAX_NUMBER:
        return None
    stmt = (select(*_COLUMNS).outerjoin(Author, Author.id == Post.author_id)
            .where(Post.id == number, *VISIBLE))
    if group_id is not None:
        stmt = stmt.join(PostGroup, PostGroup.post_id == Post.id).where(
            PostGroup.group_id == group_id)
    found = session.execute(stmt).first()
    return render(*_sources(session, [_row(*found)])[0]) if found else None


def _row(post_id: int, parent_id: int | None, permalink: str, subject: str | None,
         date: datetime | None, body_text: str | None, body_html: str | None,
         author_name: str | None, author_id: int | None, name: str | None,
         masked: str | None) -> _Row:
    author = _Author(name or "", masked) if author_id is not None else None
    return _Row(post_id, parent_id, permalink, subject or "", date,
                body_text or "", body_html, author_name, author)


def _sources(session: DbSession, rows: list[_Row],
             known: Known | None = None) -> list[Source]:
    chains = ancestor_chains(session, rows, known)
    groups = _group_names(session, [row.id for row in rows])
    return [(row, chains[row.id], groups.get(row.id, [])) for row in rows]


def _group_names(session: DbSession, post_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    rows = session.execute(select(PostGroup.post_id, Group.name)
                           .join(Group, Group.id == PostGroup.group_id)
                           .where(PostGroup.post_id.in_(post_ids))
                           .order_by(PostGroup.post_id, Group.name))
    for post_id, name in rows:
        names.setdefault(post_id, []).append(name)
    return names


def render(row: _Row, ancestors: list[str], groups: list[str]) -> Article:
    """The article a source makes: the mbox export's message, as news."""
    headers, body = message_parts(row, ancestors)
    headers = [f"Path: {PATH}", *headers, f"Newsgroups: {','.join(groups)}",
               f"Xref: {NEWS_HOST} " + " ".join(f"{g}:{row.id}" for g in groups)]
    head = ("\n".join(headers) + "\n").replace("\n", "\r\n")
    text = "\r\n".join(body) + "\r\n" if body else ""
    return Article(row.id, message_id_for(row.permalink), headers,
                   head.encode("utf-8", "replace"), text.encode("utf-8", "replace"),
                   len(body))


# -- news since ------------------------------------------------------------------


def new_message_ids(session: DbSession, since: datetime,
                    group_ids: list[int]) -> list[str]:
    """Stand-in Message-IDs of visible posts in these groups that arrived since.

    A post arrived when its import run started; a post without one (made
    by hand, or before runs were recorded) counts from its own date.
    """
    arrived = func.coalesce(ImportRun.started_at, Post.date)
    stmt = (select(Post.permalink).distinct()
            .join(PostGroup, PostGroup.post_id == Post.id)
            .outerjoin(ImportRun, ImportRun.id == Post.import_run_id)
            .where(PostGroup.group_id.in_(group_ids), *VISIBLE, arrived >= since)
            .order_by(Post.permalink))
    return [message_id_for(p) for p in session.scalars(stmt)]


def new_groups(session: DbSession, since: datetime) -> list[str]:
    """Names of groups whose first post arrived since `since` (NEWGROUPS).

    The archive records no creation time for a group: it came to be when
    its first post was imported.
    """
    arrived = func.coalesce(ImportRun.started_at, Post.date)
    stmt = (select(Group.name).join(PostGroup, PostGroup.group_id == Group.id)
            .join(Post, Post.id == PostGroup.post_id)
            .outerjoin(ImportRun, ImportRun.id == Post.import_run_id)
            .group_by(Group.name).having(func.min(arrived) >= since)
            .order_by(Group.name))
    return list(session.scalars(stmt))
