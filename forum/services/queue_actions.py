"""Acting on the review queue: taking an item, dismissing, labelling, deciding.

Taking an item shows the others who is on it; claim items are dismissed here
with a reason (flags are resolved and suggestions decided, each with its own
recorded outcome); a claim is labelled in place, on the sentence round one of
its hints; a suggested citation is confirmed or rejected once.
"""

from __future__ import annotations

from sqlalchemy import select

from forum.errors import ForumError
from forum.extensions import DbSession
from forum.models import ClaimHint, Label, Post, PostCitation, QueueMark, User
from forum.permissions import CITATION_WRITE, LABEL_WRITE, MOD_VIEW, require
from forum.services.audit import record, utcnow
from forum.services.citations import (
    citations_from_text,
    decide_suggestion,
    link_label_citations,
)
from forum.services.evidence import label_post
from forum.services.queue_hints import sentence_bounds
from forum.text.markup import post_plain_text, render_post
from forum.text.textquote import CONTEXT, TextQuote, normalise, quote_in

# Only claim items are dismissed here: flags are resolved and suggestions are
# confirmed or rejected, each with its own recorded outcome.
DISMISSABLE = ("claim",)


class QueueRejected(ForumError):
    """A queue action cannot be done as asked."""


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


def label_item(session: DbSession, actor: User, post: Post, kind_key: str,
               rationale: str, *, hint_id: int | None = None,
               citations: str = "", why: str = "") -> Label:
    """Label a queued post: the sentence round one of its claim hints, or all of it.

    `citations` holds identifiers one per line, as on the post's page; they
    become the label's and the post's citations.
    """
    require(actor, LABEL_WRITE)
    quote = None if hint_id is None else _claim_quote(session, post, hint_id)
    cited = citations_from_text(session, citations)
    label = label_post(
        session, actor, post, kind_key, rationale,
        exact=quote.exact if quote else None, prefix=quote.prefix if quote else "",
        suffix=quote.suffix if quote else "", citations=cited, why=why)
    link_label_citations(session, actor, post, cited)
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
    for start, end in (sentence_bounds(text, hint), (hint.start, hint.end)):
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
    return decide_suggestion(session, actor, suggestion, accept, why)
