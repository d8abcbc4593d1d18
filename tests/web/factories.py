"""Archive rows for read-side tests, inserted directly (no import machinery).

`create` builds groups, authors, threads and posts; posts are added in tree
order, so their `thread_order` is the order of the calls.  `sample` is a small
archive with every case a page has to handle: replies, a ghost parent, a
hidden post with a visible reply, a hidden leaf, an HTML-only post.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from forum.extensions import db
from forum.models import Author, Group, Post, PostGroup, Thread, ThreadGroup
from forum.services.counters import refresh_months

# An address whose local part is not masked (masked ones end in "...").
ADDRESS_RE = re.compile(r"([\w.+%-]+)@([\w-]+(?:\.[\w-]+)+)")
START = datetime(2000, 10, 10, 3, 0)


def unmasked_addresses(text: str) -> list[str]:
    """Every full e-mail address in `text`: the list a page must keep empty."""
    return [m[0] for m in ADDRESS_RE.finditer(text) if not m[1].endswith("...")]


class ArchiveFactory:
    """Creates archive rows with consistent counters; flushes, never commits."""

    def __init__(self, session) -> None:
        self.session = session
        self.serial = itertools.count(1)
        self.orders: dict[int, int] = {}

    def group(self, name: str = "comp.lang.misc", description: str = "") -> Group:
        group = Group(name=name, description=description, post_count=0,
                      thread_count=0)
        return self._add(group)

    def author(self, name: str = "Thai Nguyen",
               email: str | None = "thai@sympatico.ca") -> Author:
        n = next(self.serial)
        masked = email and email[:1] + "...@" + email.rpartition("@")[2]
        author = Author(identity=f"identity-{n}", slug=f"author{n:04d}", name=name,
                        email=email, masked_email=masked, post_count=0)
        return self._add(author)

    def thread(self, subject: str = "A thread") -> Thread:
        return self._add(Thread(subject=subject, subject_key=subject.lower(),
                                post_count=0))

    def post(self, thread: Thread, groups: list[Group], *, parent: Post | None = None,
             author: Author | None = None, subject: str | None = None,
             date: datetime | None = None, body: str = "Hello.\n",
             body_html: str | None = None, hidden: bool = False,
             ghost: bool = False) -> Post:
        n = next(self.serial)
        order = self.orders.get(thread.id, 0)
        self.orders[thread.id] = order + 1
        post = self._add(Post(
            message_id=f"msg{n}@news.example.com",
            dedupe_key=f"msg{n}@news.example.com",
            permalink=f"perm{n:06d}", is_ghost=ghost, is_hidden=hidden,
            thread_id=thread.id, parent_id=parent.id if parent else None,
            depth=parent.depth + 1 if parent else 0, thread_order=order,
            author_id=None if ghost else author.id if author else None,
            subject=subject if subject is not None else thread.subject,
            date=None if ghost else date, body_text="" if ghost else body,
            body_html=body_html, content_hash=str(n),
        ))
        if thread.root_post_id is None:
            thread.root_post_id = post.id
        if not ghost:
            for group in groups:
                self._add(PostGroup(post_id=post.id, group_id=group.id,
                                    post_date=date))
        if not (ghost or hidden):
            self._count(thread, groups, post)
        return post

    def _count(self, thread: Thread, groups: list[Group], post: Post) -> None:
        thread.post_count += 1
        if post.date:
            thread.first_post_at = min(filter(None, [thread.first_post_at, post.date]))
            thread.last_post_at = max(filter(None, [thread.last_post_at, post.date]))
        if post.author:
            post.author.post_count += 1
        for group in groups:
            listing = self.session.get(ThreadGroup, (thread.id, group.id))
            if listing is None:
                listing = self._add(ThreadGroup(thread_id=thread.id, group_id=group.id,
                                                post_count=0))
                group.thread_count += 1
            listing.post_count += 1
            listing.last_post_at = max(filter(None, [listing.last_post_at, post.date]),
                                      default=None)
            group.post_count += 1
            group.last_post_at = max(filter(None, [group.last_post_at, post.date]),
                                    default=None)
        self.session.flush()
        for group in groups:
            refresh_months(self.session, group.id)

    def _add(self, row):
        self.session.add(row)
        self.session.flush()
        return row


@dataclass
class Sample:
    group: Group
    other_group: Group
    thai: Author
    ml: Author
    thread: Thread
    root: Post
    reply: Post
    ghost: Post
    orphan: Post
    hidden: Post
    under_hidden: Post
    hidden_leaf: Post
    html_post: Post
    html_thread: Thread


QUOTED_BODY = (
    "John Smith <jsmith@example.com> wrote:\n"
    "> Has anyone tried the new compiler?\n"
    "> It crashes on my machine.\n"
    "> Every time.\n"
    "> Mail me at jsmith at example dot com.\n"
    "\n"
    "Yes, see http://www.example.com/bugs and write to thai@sympatico.ca.\n"
    "\n"
    "-- \n"
    "Thai Nguyen  thai@sympatico.ca\n"
)


def build_sample(create: ArchiveFactory) -> Sample:
    """The sample archive, committed."""
    group = create.group("comp.lang.misc", "General discussion of languages.")
    other = create.group("alt.test")
    thai = create.author("Thai Nguyen", "thai@sympatico.ca")
    ml = create.author("MLondon@PSFC.MIT.EDU", "MLondon@PSFC.MIT.EDU")
    thread = create.thread("Compiler crashes")
    groups = [group]
    root = create.post(thread, groups, author=ml, date=START,
                       body="Has anyone tried the new compiler?\n")
    reply = create.post(thread, groups, parent=root, author=thai,
                        subject="Re: Compiler crashes",
                        date=START + timedelta(hours=2), body=QUOTED_BODY)
    ghost = create.post(thread, groups, parent=root, ghost=True)
    orphan = create.post(thread, groups, parent=ghost, author=thai,
                         subject="Re: the lost message", date=START + timedelta(days=1),
                         body="Replying to something the archive never saw.\n")
    hidden = create.post(thread, groups, parent=root, author=ml, hidden=True,
                         subject="SECRET hidden subject",
                         date=START + timedelta(days=2),
                         body="SECRET hidden body\n")
    under_hidden = create.post(thread, groups, parent=hidden, author=thai,
                               subject="Re: reply below a hidden post",
                               date=START + timedelta(days=3), body="Still visible.\n")
    hidden_leaf = create.post(thread, groups, parent=reply, author=ml, hidden=True,
                              subject="SECRET leaf", date=START + timedelta(days=4),
                              body="SECRET leaf body\n")
    html_thread = create.thread("HTML only")
    html_post = create.post(html_thread, [group, other], author=thai,
                            date=datetime(2001, 1, 5, 12, 30), body="",
                            body_html='<p>Hi <b>all</b><script>alert(1)</script>'
                            ' mail <a href="mailto:thai@sympatico.ca">me</a></p>')
    db.session.commit()
    return Sample(group, other, thai, ml, thread, root, reply, ghost, orphan,
                  hidden, under_hidden, hidden_leaf, html_post, html_thread)
