"""The review queue, a page at a time, and acting on its items without leaving it.

Every action is a POST that calls one service with `current_user` as the
actor, commits once and redirects back to the queue as the moderator left
it: the same filters and page (`back`) and the same place in the list (`at`,
the position the next item now has on its page, sent as the `#item-N` anchor
the keys and the browser both follow).  A refusal, a missing field or a
stale id is flashed on the queue instead; nothing here answers with a
traceback.  Labelling asks for more than fits in each item of a light page,
so an item's "Label…" opens a small form page that posts back the same way.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from forum.errors import ForumError
from forum.extensions import Model, db
from forum.models import ClaimProposal, Post, PostReference
from forum.permissions import CITATION_WRITE, LABEL_WRITE, MOD_VIEW, POST_HIDE
from forum.services import (
    archive,
    evidence,
    moderation,
    propagation,
    queue,
    queue_actions,
    queue_items,
    references,
)
from forum.services import citations as citation_service
from forum.web.acting import FromResult, act, flash_and_return, plural
from forum.web.common import page_arg
from forum.web.moderation import _day, needs, propose_same_claim

bp = Blueprint("queue", __name__)
logger = logging.getLogger(__name__)
MAX_BULK = 200
# Hiding from the queue is for what the post itself shows; legal and authors'
# requests come from outside and are acted on from the post's own page.
QUEUE_HIDE_REASONS = {key: text for key, text in moderation.HIDE_REASONS.items()
                      if key not in ("legal", "author_request")}


@bp.get("/queue")
@needs(MOD_VIEW)
def review_queue():
    filters = _filters()
    sizes = queue.queue_sizes(db.session)
    wanted = page_arg()
    shown = queue.queue_page(db.session, filters, wanted, sizes=sizes)
    if shown.page != wanted:  # past the end: the last item was just acted on
        args: dict[str, Any] = {"page": shown.page, **_filter_args(filters)}
        return redirect(url_for(".review_queue", **args))
    return render_template(
        "moderation/queue.html", shown=shown, hide_at=_hide_positions(shown.items),
        filters=filters, args=_filter_args(filters), kinds=queue_items.KINDS,
        sizes=sizes, hide_reasons=QUEUE_HIDE_REASONS)


def _filters() -> queue.QueueFilter:
    kind = request.args.get("kind")
    return queue.QueueFilter(
        kind=kind if kind in queue_items.KINDS else None,
        group=(request.args.get("group") or "").strip()[:255] or None,
        since=_day("since"), until=_day("until"),
        sort="age" if request.args.get("sort") == "age" else "priority")


def _filter_args(filters: queue.QueueFilter) -> dict[str, str]:
    """The filters as query arguments, for links that keep them (the pager)."""
    found = {"kind": filters.kind, "group": filters.group,
             "since": filters.since and filters.since.isoformat(),
             "until": filters.until and filters.until.isoformat(),
             "sort": "age" if filters.sort == "age" else None}
    return {name: value for name, value in found.items() if value}


@bp.get("/queue/label")
@needs(LABEL_WRITE)
def label_form():
    """The label form for one queued post, about the claim chosen in the queue."""
    post = archive.get_post_by_permalink(request.args.get("post", ""),
                                         include_hidden=True)
    return render_template(
        "moderation/queue_label.html", post=post,
        item=queue_items.explained_item(db.session, post),
        span=request.args.get("span", ""), back=_back(with_place=False),
        at=_place(), label_kinds=evidence.label_kinds(db.session))


def _hide_positions(items: list[queue_items.QueueItem]) -> list[int]:
    """Where the next item will be once each item's post is hidden.

    Hiding takes every claim and citation item of the post out of the list
    (flags stay until resolved), so earlier items of the same post move the
    next one up as well.
    """
    earlier: Counter[int] = Counter()
    positions = []
    for index, item in enumerate(items, start=1):
        positions.append(index - earlier[item.post.id])
        if item.kind != "flag":
            earlier[item.post.id] += 1
    return positions


@bp.post("/queue/claim")
@needs(MOD_VIEW)
def claim_item():
    kind = request.args.get("kind") or request.form.get("kind", "claim")
    return _act(lambda post: queue_actions.claim_item(db.session, current_user,
                                                      post, kind),
                "Claimed: it is yours until you act on it.")


@bp.post("/queue/dismiss")
@needs(MOD_VIEW)
def dismiss_items():
    permalinks = ([request.form["one"]] if request.form.get("one")
                  else request.form.getlist("post"))
    if not permalinks:
        flash("Select at least one item.")
        return redirect(_back())

    def dismiss() -> int:
        posts = [archive.get_post_by_permalink(p, include_hidden=True)
                 for p in permalinks[:MAX_BULK]]
        return queue_actions.dismiss_items(db.session, current_user, posts,
                                           request.form.get("kind", "claim"),
                                           request.form.get("reason", ""))

    return _answer(dismiss, lambda done: f"Dismissed {plural(done, 'item')}.")


@bp.post("/queue/label")
@needs(LABEL_WRITE)
def label_item():
    form = request.form
    span = form.get("span", "")
    if span != "post" and not (span.isascii() and span.isdigit() and len(span) < 12):
        flash("Choose what the label is about: a claim or the whole post.")
        return redirect(_back())

    def label(post):
        made = queue_actions.label_item(
            db.session, current_user, post, form.get("kind", ""),
            form.get("rationale", ""), hint_id=None if span == "post" else int(span),
            citations=form.get("citations", ""), why=form.get("why", ""))
        return made, propose_same_claim(made)

    return _act(label, lambda done: f"Labelled '{done[0].kind.display_name}'."
                + done[1])


@bp.post("/queue/suggestions/<int:item_id>/decide")
@needs(CITATION_WRITE)
def decide_suggestion(item_id: int):
    decision = request.form.get("decision")
    if decision not in ("confirm", "reject"):
        flash("Choose to confirm or to reject the suggestion.")
        return redirect(_back())
    return _answer(
        lambda: queue_actions.decide_item(db.session, current_user, item_id,
                                          decision == "confirm",
                                          request.form.get("why", "")),
        lambda done: f"{'Confirmed' if decision == 'confirm' else 'Rejected'} "
                     f"{done.citation.kind.upper()} {done.citation.identifier}.")


Row = TypeVar("Row", bound=Model)


def _still_there(model: type[Row], row_id: int, what: str) -> Row:
    """The queued row, or a refusal: another moderator may have acted on it."""
    found = db.session.get(model, row_id)
    if found is None:
        raise ForumError(f"That {what} is gone; the queue has moved on.")
    return found


def _proposal(proposal_id: int) -> ClaimProposal:
    return _still_there(ClaimProposal, proposal_id, "proposal")


@bp.post("/queue/proposals/<int:proposal_id>/accept")
@needs(LABEL_WRITE)
def accept_proposal(proposal_id: int):
    return _answer(
        lambda: propagation.accept_proposal(
            db.session, current_user, _proposal(proposal_id)),
        lambda label: f"Labelled '{label.kind.display_name}', linked to the "
                      "original label.")


@bp.post("/queue/proposals/<int:proposal_id>/reject")
@needs(LABEL_WRITE)
def reject_proposal(proposal_id: int):
    return _answer(
        lambda: propagation.reject_proposal(
            db.session, current_user, _proposal(proposal_id),
            request.form.get("reason", "")),
        "Rejected: not the same claim. It will not be proposed again.")


@bp.route("/queue/proposals/<int:proposal_id>", methods=["GET", "POST"])
@needs(LABEL_WRITE)
def edit_proposal(proposal_id: int):
    """Accept with changes: another span, verdict, rationale or citations."""
    try:
        proposal = _proposal(proposal_id)
    except ForumError as error:
        return _refused(error)
    if request.method == "GET":
        return _proposal_page(proposal)
    form = request.form

    def accept():
        cited = citation_service.citations_from_text(
            db.session, form.get("citations", ""))
        return propagation.accept_proposal(
            db.session, current_user, proposal, kind_key=form.get("kind", ""),
            rationale=form.get("rationale", ""), exact=form.get("exact", ""),
            citations=cited)

    return act(accept,
               done=lambda label: f"Labelled '{label.kind.display_name}' as edited, "
                                  "linked to the original label.",
               then=_back(), refused=lambda error: _proposal_page(proposal, str(error)))


def _proposal_page(proposal: ClaimProposal, problem: str = ""):
    post = db.session.get(Post, proposal.post_id)
    return render_template(
        "moderation/proposal.html", proposal=proposal, post=post,
        source_post=db.session.get(Post, proposal.source_label.post_id),
        kinds=evidence.label_kinds(db.session), problem=problem,
        form=request.form, back=_back(with_place=False), at=_place() or ""
    ), 400 if problem else 200


@bp.post("/queue/references/<int:reference_id>/decide")
@needs(CITATION_WRITE)
def decide_reference(reference_id: int):
    form = request.form

    def decide() -> str:
        row = _still_there(PostReference, reference_id, "reference")
        if form.get("decision") == "confirm":
            attached = references.confirm_reference(
                db.session, current_user, row, form.get("identifier", ""))
            return (f"Attached {attached.citation.kind.upper()} "
                    f"{attached.citation.identifier} to the post.")
        if form.get("decision") == "reject":
            references.reject_reference(db.session, current_user, row,
                                        form.get("reason", ""))
            return "Marked as no reference to a paper."
        raise ForumError("Choose to attach a paper or to say it is none.")

    return _answer(decide, lambda said: said)


@bp.post("/queue/hide")
@needs(POST_HIDE)
def hide_item():
    def hide(post):
        moderation.hide_post(db.session, current_user, post,
                             request.form.get("reason", ""),
                             request.form.get("why", ""))

    return _act(hide, "Hidden from readers.")


def _act(action: Callable[[Post], Any], done: FromResult) -> ResponseReturnValue:
    """Run `action` on the posted item's post, commit, and go back to the queue.

    `done` is the message, or makes it from what the action returned.
    """
    acted_on: list[Post] = []

    def on_item() -> Any:
        post = archive.get_post_by_permalink(request.form.get("one", ""),
                                             include_hidden=True)
        made = action(post)
        acted_on.append(post)
        return made

    answer = _answer(on_item, done)
    if acted_on:  # and committed: a refusal or a failed commit logs nothing
        logger.info("%s: %s on %s", current_user.name, request.endpoint,
                    acted_on[0].permalink)
    return answer


def _answer(change: Callable[[], Any], done: FromResult) -> ResponseReturnValue:
    """`act`, back to the queue as the moderator left it, done or refused."""
    return act(change, done=done, then=_back(), refused=_refused)


def _refused(error: ForumError) -> ResponseReturnValue:
    """The refusal's message, flashed on the queue."""
    return flash_and_return(_back())(error)


def _back(with_place: bool = True) -> str:
    """Back to the queue as it was (filters, page and position), never off-site."""
    back = request.values.get("back", "")
    if not (back.startswith("/mod/queue") and back.isprintable()
            and not back.startswith("/mod/queue/")
            and "//" not in back and "#" not in back and "\\" not in back):
        back = url_for(".review_queue")
    at = _place()
    if with_place and at:
        back += f"#item-{at}"
    return back


def _place() -> int | None:
    """The `at` position sent with an action (a link may carry it too)."""
    at = request.values.get("at", "")
    return int(at) if at.isascii() and at.isdigit() and len(at) < 5 else None
