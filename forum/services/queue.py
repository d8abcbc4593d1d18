"""The review queue: what needs a moderator first, and why.

Three kinds of item, one list: posts readers flagged (pending flags), posts
that make health claims and carry no label yet (the `forum.claim_match.hints` rules,
recorded at import), and posts with suggested citations nobody has confirmed.
Priority order puts flags first, then claims, then suggestions; age order
puts the oldest posts first.  The list is paged in the database, so every
item is reachable however long the queue grows.  Each item says why it is
there, where and when the post was written, shows an excerpt with the claim's
words marked, and carries what a moderator needs to act on it in place: the
sentences its claim hints sit in (to label) and its pending suggestions (to
confirm or reject).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from math import ceil

from markupsafe import Markup
from sqlalchemy import (
    Integer,
    delete,
    func,
    insert,
    literal_column,
    select,
    union,
    union_all,
)

from forum.claim_match.hints import describe, find_claim_hints
from forum.errors import ForumError
from forum.extensions import DbSession
from forum.models import (
    ClaimHint,
    ClaimProposal,
    Flag,
    Group,
    Label,
    Post,
    PostCitation,
    PostGroup,
    PostReference,
    QueueMark,
    User,
)
from forum.permissions import CITATION_WRITE, LABEL_WRITE, MOD_VIEW, require
from forum.services import citations as citation_service
from forum.services import evidence
from forum.services.audit import record, utcnow
from forum.services.pagination import Page
from forum.services.propagation import proposals_on_posts
from forum.services.references import references_on_posts
from forum.text.markup import highlight_snippet, post_plain_text, render_post
from forum.text.textquote import CONTEXT, TextQuote, normalise, quote_in

KINDS = {"flag": "Flagged by readers", "claim": "Health claim, no label yet",
         "citation": "Suggested citations to check",
         "proposal": "Same claim as a labelled one",
         "reference": "References written as text"}
PRIORITY = {"flag": 0, "claim": 1, "citation": 2, "proposal": 3, "reference": 4}
PER_PAGE = 50
# An excerpt's length in characters: enough for the claim's sentence.
EXCERPT_WIDTH = 160


# Only claim items are dismissed here: flags are resolved and suggestions are
# confirmed or rejected, each with its own recorded outcome.
DISMISSABLE = ("claim",)


# A claim sentence longer than this is labelled by the hint's own words instead.
MAX_SENTENCE = 400
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n[ \t]*\n")


class QueueRejected(ForumError):
    """A queue action cannot be done as asked."""


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


@dataclass(frozen=True)
class QueueFilter:
    kind: str | None = None
    group: str | None = None
    since: date | None = None
    until: date | None = None
    sort: str = "priority"


def record_claim_hints(session: DbSession, post_ids: Iterable[int],
                       scanned: dict[int, list] | None = None) -> int:
    """Run the claim rules over these posts and store what they find (idempotent).

    `scanned` holds the hints already found in the stored text of some of the
    posts (an import scans ahead); the others are read and scanned here.
    """
    post_ids = list(post_ids)
    if not post_ids:
        return 0
    scanned = scanned or {}
    session.execute(delete(ClaimHint).where(ClaimHint.post_id.in_(post_ids)))
    found = {post_id: hints for post_id, hints in scanned.items() if hints}
    unscanned = [post_id for post_id in post_ids if post_id not in scanned]
    if unscanned:
        for post_id, body_text, body_html in session.execute(
                select(Post.id, Post.body_text, Post.body_html)
                .where(Post.id.in_(unscanned), Post.is_ghost.is_(False))).all():
            found[post_id] = find_claim_hints(post_plain_text(body_text, body_html))
    rows = [{"post_id": post_id, "rule": hint.rule, "start": hint.start,
             "end": hint.end, "text": hint.text[:300]}
            for post_id, hints in found.items() for hint in hints]
    if rows:
        session.execute(insert(ClaimHint), rows)
    return len(rows)


def queue_page(session: DbSession, filters: QueueFilter, page: int = 1,
               per_page: int = PER_PAGE, sizes: dict[str, int] | None = None
               ) -> Page:
    """One page of the queue, filtered and sorted, and how many items in all.

    The database sorts and pages every candidate, so no item is out of reach.
    A page past the end is the last page (`Page.page` says which): acting on
    the last item of the last page must not lead to a missing page.  `sizes`
    are the unfiltered `queue_sizes`, when the caller has them already.
    """
    kinds = [filters.kind] if filters.kind in KINDS else list(KINDS)
    if filters.group or filters.since or filters.until:
        counts = {kind: session.scalar(select(func.count()).select_from(
            _candidates(kind, filters).subquery())) or 0 for kind in kinds}
    else:
        sizes = sizes or queue_sizes(session)
        counts = {kind: sizes[kind] for kind in kinds}
    total = sum(counts.values())
    page = max(1, min(page, ceil(total / per_page)))
    rows = _page_rows(session, filters, counts, (page - 1) * per_page, per_page)
    return Page(_items(session, rows), page, per_page, total)


def _page_rows(session: DbSession, filters: QueueFilter, counts: dict[str, int],
               offset: int, limit: int) -> list:
    """The rows (rank, post_id, n, date) of one page, in the filter's order.

    In priority order the kinds follow each other, so only the kinds the page
    overlaps are read: the first pages, all flags, never sort the 50,000
    claims of a 100,000-post archive.  Age order interleaves the kinds.
    """
    if filters.sort == "age":
        listed = union_all(*(_candidates(kind, filters) for kind in counts)
                           ).subquery()
        return session.execute(select(listed).order_by(*_order(listed, "age"))
                               .limit(limit).offset(offset)).all()
    rows: list = []
    start = 0
    for kind, count in counts.items():
        if start + count > offset + len(rows) and len(rows) < limit:
            listed = _candidates(kind, filters).subquery()
            rows += session.execute(
                select(listed).order_by(*_order(listed, "priority"))
                .limit(limit - len(rows))
                .offset(max(0, offset + len(rows) - start))).all()
        start += count
    return rows


def queue_items(session: DbSession, filters: QueueFilter, limit: int = 100
                ) -> list[QueueItem]:
    """The queue's first `limit` items, filtered and sorted."""
    return queue_page(session, filters, 1, limit).items


def _order(listed, sort: str) -> list:
    """Priority: kind, most flags or hints first, oldest; age: oldest first.

    Undated posts come last; the post id settles ties, so pages never overlap.
    """
    undated = listed.c.date.is_(None)
    if sort == "age":
        return [undated, listed.c.date, listed.c.post_id, listed.c.rank]
    return [listed.c.rank, listed.c.n.desc(), undated, listed.c.date,
            listed.c.post_id]


def _items(session: DbSession, rows) -> list[QueueItem]:
    """The page's rows as items, with everything a moderator reads and acts on."""
    posts = {p.id: p for p in session.scalars(
        select(Post).where(Post.id.in_({row.post_id for row in rows})))}
    kind_of = {rank: kind for kind, rank in PRIORITY.items()}
    items = [QueueItem(kind_of[row.rank], posts[row.post_id], row.n)
             for row in rows if row.post_id in posts]
    words = _explain(session, items)
    _claims(session, items)
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
        words or [s.span_text for s in item.suggestions]
        or [r.text.split(",")[0] for r in item.references], EXCERPT_WIDTH)


def queue_sizes(session: DbSession) -> dict[str, int]:
    """How many posts wait in each kind (for the dashboard and the tabs).

    The posts `_candidates` lists unfiltered, counted from the hint, flag and
    suggestion indexes less the few posts that cannot wait (hidden, ghosts,
    labelled, dismissed): joining every candidate to its post row took most
    of the dashboard's time on 100,000 posts (bench/dashboard.py).
    """
    return {kind: session.scalar(_size(kind)) for kind in KINDS}


def _size(kind: str):
    ghosts = select(Post.id).where(Post.is_ghost.is_(True))
    hidden = select(Post.id).where(Post.is_hidden.is_(True))
    unseen = union(ghosts, hidden)  # two partial indexes, not a scan of posts
    if kind == "flag":
        return select(func.count(Flag.post_id.distinct())).where(
            Flag.status == "pending", Flag.post_id.not_in(ghosts))
    if kind == "citation":
        return select(func.count(PostCitation.post_id.distinct())).where(
            PostCitation.status == "suggested", PostCitation.post_id.not_in(unseen))
    if kind == "proposal":
        return select(func.count(ClaimProposal.post_id.distinct())).where(
            ClaimProposal.status == "proposed", ClaimProposal.post_id.not_in(unseen))
    if kind == "reference":
        return select(func.count(PostReference.post_id.distinct())).where(
            PostReference.status == "unresolved",
            PostReference.post_id.not_in(unseen))
    labelled = select(Label.post_id).where(Label.is_withdrawn.is_(False))
    dismissed = select(QueueMark.post_id).where(QueueMark.kind == "claim",
                                                QueueMark.state == "dismissed")
    # One set to look each hint up in, not three: half the time on SQLite.
    return select(func.count(ClaimHint.post_id.distinct())).where(
        ClaimHint.post_id.not_in(union(labelled, dismissed, ghosts, hidden)))


def _candidates(kind: str, filters: QueueFilter):
    """The posts waiting as items of this kind: rank, post_id, n (flags,
    suggestions or hints) and the post's date, for sorting and paging.

    Counted from the flag, suggestion or hint index first, then joined to
    the posts once per post (not once per hint).
    """
    if kind == "flag":
        column, waiting = Flag.post_id, [Flag.status == "pending"]
    elif kind == "citation":
        column = PostCitation.post_id
        waiting = [PostCitation.status == "suggested"]
    elif kind == "proposal":
        column = ClaimProposal.post_id
        waiting = [ClaimProposal.status == "proposed"]
    elif kind == "reference":
        column = PostReference.post_id
        waiting = [PostReference.status == "unresolved"]
    else:
        labelled = select(Label.post_id).where(Label.is_withdrawn.is_(False))
        dismissed = select(QueueMark.post_id).where(QueueMark.kind == "claim",
                                                    QueueMark.state == "dismissed")
        column = ClaimHint.post_id
        waiting = [column.not_in(labelled), column.not_in(dismissed)]
    counted = (select(column.label("post_id"), func.count().label("n"))
               .where(*waiting).group_by(column).subquery())
    query = (select(literal_column(str(PRIORITY[kind]), Integer).label("rank"),
                    counted.c.post_id, counted.c.n, Post.date.label("date"))
             .join(Post, Post.id == counted.c.post_id)
             .where(Post.is_ghost.is_(False)))
    if kind != "flag":
        query = query.where(Post.is_hidden.is_(False))
    if filters.group:
        query = query.where(Post.id.in_(
            select(PostGroup.post_id).join(Group, Group.id == PostGroup.group_id)
            .where(Group.name == filters.group)))
    if filters.since:
        query = query.where(Post.date >= datetime.combine(filters.since, time.min))
    if filters.until:
        query = query.where(Post.date < datetime.combine(filters.until, time.min)
                            + timedelta(days=1))
    return query


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
    pending = citation_service.citations_on_posts(
        session, {item.post.id for item in items}, statuses=("suggested",))
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


def claim_sentence(text: str, hint: ClaimHint) -> str:
    """The sentence a hint sits in, whitespace collapsed; else the hint's words.

    A dose or "a study found" is only checkable as the sentence that says it,
    so that is what a label from the queue is about.
    """
    left, right = _sentence_bounds(text, hint)
    return normalise(text[left:right])


def _sentence_bounds(text: str, hint: ClaimHint) -> tuple[int, int]:
    """Where the hint's sentence starts and ends; the hint's own ends if too long.

    Only MAX_SENTENCE characters either side are searched: a longer sentence
    is not used, and a long post is not scanned from its start for each hint.
    """
    if text[hint.start:hint.end] != hint.text:
        return hint.start, hint.end
    low, high = max(0, hint.start - MAX_SENTENCE), hint.end + MAX_SENTENCE
    left = 0 if low == 0 else None
    for match in _SENTENCE_END.finditer(text, low, hint.start):
        left = match.end()
    after = _SENTENCE_END.search(text, hint.end, high)
    if after is not None:
        right = after.end() if after.group().strip() else after.start()
    else:
        right = len(text) if len(text) <= high else None
    if left is None or right is None or right - left > MAX_SENTENCE:
        return hint.start, hint.end
    return left, right


def _claims(session: DbSession, items: list[QueueItem]) -> None:
    """Who is working on each item, so two moderators do not take the same one."""
    if not items:
        return
    held = {(mark.post_id, mark.kind): mark.user.name for mark in session.scalars(
        select(QueueMark).where(QueueMark.state == "claimed",
                                QueueMark.post_id.in_({i.post.id for i in items})))}
    for item in items:
        item.claimed_by = held.get((item.post.id, item.kind))


def claim_item(session: DbSession, actor: User, post: Post, kind: str) -> QueueMark:
    """Take an item: others see who is on it.  Claiming a claimed item fails."""
    require(actor, MOD_VIEW)
    mark = _mark(session, post.id, kind)
    if mark is not None and mark.state == "claimed" and mark.user_id != actor.id:
        raise QueueRejected(f"{mark.user.name} is already working on this post.")
    if mark is not None and mark.state == "dismissed":
        raise QueueRejected("This item was dismissed already.")
    mark = mark or QueueMark(post_id=post.id, kind=kind)
    mark.state, mark.user_id, mark.at = "claimed", actor.id, utcnow()
    session.add(mark)
    session.flush()
    return mark


def dismiss_items(session: DbSession, actor: User, posts: list[Post], kind: str,
                  reason: str) -> int:
    """Take items out of the queue with a reason (one or many: a bulk action)."""
    require(actor, MOD_VIEW)
    if kind not in DISMISSABLE:
        raise QueueRejected("Flags are resolved and suggestions confirmed or "
                            "rejected on the post's page.")
    if not reason.strip():
        raise QueueRejected("Say why the items are dismissed.")
    for post in posts:
        mark = _mark(session, post.id, kind) or QueueMark(post_id=post.id, kind=kind)
        if mark.state == "dismissed":
            continue
        mark.state, mark.user_id, mark.at = "dismissed", actor.id, utcnow()
        mark.reason = reason.strip()[:500]
        session.add(mark)
        session.flush()
        record(session, actor, "queue.dismiss", target_type="post",
               target_id=post.id, post_id=post.id, reason=kind, why=reason)
    return len(posts)


def _mark(session: DbSession, post_id: int, kind: str) -> QueueMark | None:
    return session.scalar(select(QueueMark).where(QueueMark.post_id == post_id,
                                                  QueueMark.kind == kind))


# -- acting in place -----------------------------------------------------------------


def label_item(session: DbSession, actor: User, post: Post, kind_key: str,
               rationale: str, *, hint_id: int | None = None,
               citations: str = "", why: str = "") -> Label:
    """Label a queued post: the sentence round one of its claim hints, or all of it.

    `citations` holds identifiers one per line, as on the post's page; they
    become the label's and the post's citations.
    """
    require(actor, LABEL_WRITE)
    quote = None if hint_id is None else _claim_quote(session, post, hint_id)
    cited = citation_service.citations_from_text(session, citations)
    label = evidence.label_post(
        session, actor, post, kind_key, rationale,
        exact=quote.exact if quote else None, prefix=quote.prefix if quote else "",
        suffix=quote.suffix if quote else "", citations=cited, why=why)
    citation_service.link_label_citations(session, actor, post, cited)
    return label


def _claim_quote(session: DbSession, post: Post, hint_id: int) -> TextQuote:
    """Where the hint's sentence is in the post as readers see it.

    Hints are found in the stored plain text, labels anchor to the rendered
    text; when the sentence does not survive rendering, the hint's own words
    usually do.
    """
    hint = session.get(ClaimHint, hint_id)
    if hint is None or hint.post_id != post.id:
        raise QueueRejected("That claim is no longer marked in this post: "
                            "reload the queue.")
    text = post_plain_text(post.body_text, post.body_html)
    shown = str(render_post(post))
    for start, end in (_sentence_bounds(text, hint), (hint.start, hint.end)):
        quote = quote_in(shown, text[start:end],
                         normalise(text[max(0, start - 2 * CONTEXT):start]),
                         normalise(text[end:end + 2 * CONTEXT]))
        if quote is not None:
            return quote
    raise QueueRejected("The claim's words are not in the post as readers see "
                        "it: label it on the post's page.")


def decide_item(session: DbSession, actor: User, suggestion_id: int, accept: bool,
                why: str = "") -> PostCitation:
    """Confirm or reject one suggested citation, once (two moderators may race)."""
    require(actor, CITATION_WRITE)
    suggestion = session.get(PostCitation, suggestion_id)
    if suggestion is None or suggestion.origin != "scan":
        raise QueueRejected("There is no such suggested citation.")
    return citation_service.decide_suggestion(session, actor, suggestion, accept,
                                              why)
