"""The review queue's items, with everything a moderator reads and acts on.

Each item says why it is there (`KINDS`), where and when the post was
written, shows an excerpt with the claim's words marked, and carries what a
moderator needs to act on it in place: the sentences its claim hints sit in
(to label), its pending suggestions (to confirm or reject), its same-claim
proposals and its written-out references.  A page's items are filled with
one query per part, never one per item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from sqlalchemy import select

from forum.claim_match.hints import describe
from forum.extensions import DbSession
from forum.models import (
    ClaimHint,
    ClaimProposal,
    Group,
    Post,
    PostCitation,
    PostGroup,
    PostReference,
    QueueMark,
)
from forum.services.citations import citations_on_posts
from forum.services.claim_proposals import proposals_on_posts
from forum.services.queue_hints import claim_sentence
from forum.services.references import references_on_posts
from forum.text.markup import post_plain_text
from forum.text.snippets import highlight_snippet

KINDS = {"flag": "Flagged by readers", "claim": "Health claim, no label yet",
         "citation": "Suggested citations to check",
         "proposal": "Same claim as a labelled one",
         "reference": "References written as text"}
PRIORITY = {"flag": 0, "claim": 1, "citation": 2, "proposal": 3, "reference": 4}
# An excerpt's length in characters: enough for the claim's sentence.
EXCERPT_WIDTH = 160


@dataclass(frozen=True)
class ClaimSpan:
    """Words a moderator can label from the queue: the sentence round a hint."""

    hint_id: int
    rule: str
    text: str


@dataclass
class QueueItem:
    kind: str
    post: Post
    count: int
    reasons: list[str] = field(default_factory=list)
    claimed_by: str | None = None
    spans: list[ClaimSpan] = field(default_factory=list)
    suggestions: list[PostCitation] = field(default_factory=list)
    proposals: list[ClaimProposal] = field(default_factory=list)
    references: list[PostReference] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    excerpt: Markup = field(default_factory=Markup)

    @property
    def why(self) -> str:
        return KINDS[self.kind]


def page_items(session: DbSession, rows: Sequence[Any]) -> list[QueueItem]:
    """A page's rows (rank, post_id, n, date) as items, filled in."""
    posts = {p.id: p for p in session.scalars(
        select(Post).where(Post.id.in_({row.post_id for row in rows})))}
    kind_of = {rank: kind for kind, rank in PRIORITY.items()}
    items = [QueueItem(kind_of[row.rank], posts[row.post_id], row.n)
             for row in rows if row.post_id in posts]
    words = _explain(session, items)
    _claimed_by(session, items)
    _suggestions(session, [i for i in items if i.kind == "citation"])
    _proposals(session, [i for i in items if i.kind == "proposal"])
    _references(session, [i for i in items if i.kind == "reference"])
    _groups(session, items)
    for item in items:
        _excerpt(item, words.get(item.post.id))
    return items


def explained_item(session: DbSession, post: Post) -> QueueItem:
    """A post as a claim item: its claim sentences, groups and excerpt."""
    item = QueueItem("claim", post, 0)
    words = _explain(session, [item])
    _groups(session, [item])
    _excerpt(item, words.get(post.id))
    return item


def _excerpt(item: QueueItem, words: list[str] | None) -> None:
    """Where the claim is (or the suggested citations are), the words marked.

    A proposal shows its matched span in full instead, beside the claim.
    """
    if item.proposals:
        return
    item.excerpt = highlight_snippet(
        post_plain_text(item.post.body_text, item.post.body_html),
        words or [s.span_text or "" for s in item.suggestions]
        or [r.text.split(",")[0] for r in item.references], EXCERPT_WIDTH)


def _explain(session: DbSession, items: list[QueueItem]) -> dict[int, list[str]]:
    """Each item's claim sentences; claim items also say which rules matched.

    One query for every item's hints; the sentences come from the posts'
    plain text, which is already loaded.  Returns each post's hinted words,
    for its excerpt.
    """
    by_post: dict[int, list[QueueItem]] = {}
    for item in items:
        by_post.setdefault(item.post.id, []).append(item)
    words: dict[int, list[str]] = {}
    if not by_post:
        return words
    seen: set[tuple[int, str]] = set()
    texts: dict[int, str] = {}
    for hint in session.scalars(select(ClaimHint).where(
            ClaimHint.post_id.in_(list(by_post))).order_by(ClaimHint.start)):
        post = by_post[hint.post_id][0].post
        if hint.post_id not in texts:
            texts[hint.post_id] = post_plain_text(post.body_text, post.body_html)
        sentence = claim_sentence(texts[hint.post_id], hint)
        words.setdefault(hint.post_id, []).append(" ".join(hint.text.split()))
        for item in by_post[hint.post_id]:
            if all(span.text != sentence for span in item.spans):
                item.spans.append(ClaimSpan(hint.id, hint.rule, sentence))
            if item.kind == "claim" and (hint.post_id, hint.rule) not in seen:
                item.reasons.append(f"{describe(hint.rule)}: “{hint.text}”")
        seen.add((hint.post_id, hint.rule))
    return words


def _groups(session: DbSession, items: list[QueueItem]) -> None:
    """The groups each item's post is listed in, by name, in one query."""
    if not items:
        return
    names: dict[int, list[str]] = {}
    for post_id, name in session.execute(
            select(PostGroup.post_id, Group.name)
            .join(Group, Group.id == PostGroup.group_id)
            .where(PostGroup.post_id.in_({i.post.id for i in items}))
            .order_by(Group.name)):
        names.setdefault(post_id, []).append(name)
    for item in items:
        item.groups = names.get(item.post.id, [])


def _suggestions(session: DbSession, items: list[QueueItem]) -> None:
    """Every citation item's pending suggestions, in one query for the page."""
    pending = citations_on_posts(session, {item.post.id for item in items},
                                 statuses=("suggested",))
    for item in items:
        item.suggestions = pending.get(item.post.id, [])


def _proposals(session: DbSession, items: list[QueueItem]) -> None:
    """Every proposal item's open same-claim proposals, best first."""
    waiting = proposals_on_posts(session, {item.post.id for item in items})
    for item in items:
        item.proposals = waiting.get(item.post.id, [])


def _references(session: DbSession, items: list[QueueItem]) -> None:
    """Every reference item's unresolved references, in text order."""
    waiting = references_on_posts(session, {item.post.id for item in items})
    for item in items:
        item.references = waiting.get(item.post.id, [])


def _claimed_by(session: DbSession, items: list[QueueItem]) -> None:
    """Who is working on each item, so two moderators do not take the same one."""
    if not items:
        return
    held = {(mark.post_id, mark.kind): mark.user.name for mark in session.scalars(
        select(QueueMark).where(QueueMark.state == "claimed",
                                QueueMark.post_id.in_({i.post.id for i in items})))}
    for item in items:
        item.claimed_by = held.get((item.post.id, item.kind))
