"""Moderator pages: label claims, attach and verify citations, read the audit log.

Thin views: each parses a form, calls one service with `current_user` as the
actor, commits once, and redirects (or shows the form again with the
service's message and a 400).  Anonymous visitors are sent to sign in;
signed-in users without the permission get a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from forum.errors import ForumError
from forum.extensions import db, login_manager
from forum.models import Citation, Label, PostCitation
from forum.permissions import (
    AUDIT_READ,
    CITATION_WRITE,
    FLAG_RESOLVE,
    LABEL_WRITE,
    MOD_VIEW,
    ORIGINAL_READ,
    POST_HIDE,
    POST_PURGE,
    POST_REDACT,
    has_permission,
)
from forum.services import (
    archive,
    audit_view,
    citation_scan,
    citations,
    evidence,
    evidence_view,
    moderation,
    propagation,
    takedowns,
)
from forum.web.acting import FromResult, act, flash_and_return, plural
from forum.web.common import id_arg, page_arg

bp = Blueprint("moderation", __name__)
# The dashboard's lists show this many and link to the rest.
FIRST_FEW = 10
COVERAGE_PAGE = 50


def needs(permission: str):
    """Sign-in for anonymous visitors, 403 for users without `permission`."""
    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not has_permission(current_user, permission):
                abort(403, description="Your account may not do that.")
            return view(*args, **kwargs)
        return wrapped
    return decorate


@bp.get("/")
@needs(MOD_VIEW)
def index():
    recent = audit_view.entries(db.session, audit_view.AuditFilter(), per_page=15)
    from forum.services.dashboard import dashboard

    return render_template(
        "moderation/index.html", recent=recent, board=dashboard(db.session),
        flagged=moderation.flagged_posts(db.session, limit=FIRST_FEW),
        suggestions=citations.suggestion_count(db.session),
        waiting=citations.posts_with_suggestions(db.session, limit=FIRST_FEW))


@bp.get("/coverage")
@needs(MOD_VIEW)
def coverage():
    """Evidence coverage of every group (the dashboard shows the first few)."""
    from forum.services.dashboard import coverage_page

    return render_template(
        "moderation/coverage.html",
        rows=coverage_page(db.session, page_arg(), COVERAGE_PAGE))


def _day(name: str):
    from datetime import date

    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400, description=f"'{name}' must be a date like 2026-11-30.")


@bp.get("/p/<permalink>/")
@needs(MOD_VIEW)
def post(permalink: str):
    return _post_page(permalink)


def act_on_post(permalink: str, change: Callable[[], Any], *, done: FromResult,
                anchor: str = "", keep_form: bool = True) -> ResponseReturnValue:
    """`act` for a form on a post's moderation page: back to that page (at
    `anchor`) when done; refused, the page again with the message (400) and,
    unless `keep_form` is False, the form as the moderator typed into it."""
    return act(change, done=done,
               then=url_for("moderation.post", permalink=permalink) + anchor,
               refused=lambda error: _post_page(
                   permalink, str(error), request.form if keep_form else None, 400))


def act_on_found(permalink: str, service: Callable[..., Any], *fields: str,
                 done: FromResult, **options: Any) -> ResponseReturnValue:
    """The usual action on one post: find it (hidden ones too), then
    `service(session, moderator, post, *the form's values of fields)`,
    answered as `act_on_post` answers (`options`: its anchor, keep_form)."""
    found = archive.get_post_by_permalink(permalink, include_hidden=True)
    return _act_on(permalink, service, found,
                   [request.form.get(name, "") for name in fields], done, options)


def act_on_item(item: Any, service: Callable[..., Any], *fields: str,
                done: FromResult, **options: Any) -> ResponseReturnValue:
    """`act_on_found` for something attached to a post (a label, a flag, a
    citation on it): `service(session, moderator, item, *the form's values of
    fields)`, then back to the post's page."""
    permalink = archive.get_post_by_id(item.post_id).permalink
    return _act_on(permalink, service, item,
                   [request.form.get(name, "") for name in fields], done, options)


def _act_on(permalink: str, service: Callable[..., Any], subject: Any,
            values: list[str], done: FromResult,
            options: dict[str, Any]) -> ResponseReturnValue:
    return act_on_post(
        permalink, lambda: service(db.session, current_user, subject, *values),
        done=done, **options)


def _post_page(permalink: str, error: str = "", form=None, status: int = 200):
    found = archive.get_post_by_permalink(permalink, include_hidden=True)
    shown = evidence_view.post_evidence(db.session, found, with_suggestions=True)
    return render_template(
        "moderation/post.html", post=found, evidence=shown, error=error,
        form=form or {}, kinds=evidence.label_kinds(db.session),
        flags=moderation.flags_on(db.session, found.id),
        hidden_by=moderation.hiding_entry(db.session, found),
        hide_reasons=moderation.HIDE_REASONS, flag_reasons=moderation.FLAG_REASONS,
        lookup_on=bool(current_app.config.get("FORUM_CITATION_LOOKUP")),
        takedown=takedowns.post_takedowns(
            db.session, found, has_permission(current_user, ORIGINAL_READ)),
        may_redact=has_permission(current_user, POST_REDACT),
        may_purge=has_permission(current_user, POST_PURGE),
    ), status


def propose_same_claim(label) -> str:
    """Look for the new label's claim in other posts; say what was found."""
    found = propagation.propose_for_label(
        db.session, label, current_app.extensions["forum_claim_settings"])
    if not found:
        return ""
    return (f" The same claim seems to appear in {plural(len(found), 'other post')}: "
            "see the review queue.")


@bp.post("/p/<permalink>/labels")
@needs(LABEL_WRITE)
def add_label(permalink: str):
    found = archive.get_post_by_permalink(permalink, include_hidden=True)
    form = request.form

    def make_label() -> tuple[Label, str]:
        cited = citations.citations_from_text(db.session, form.get("citations", ""))
        made = evidence.label_post(
            db.session, current_user, found, form.get("kind", ""),
            form.get("rationale", ""), exact=_span(form),
            prefix=form.get("prefix", ""), suffix=form.get("suffix", ""),
            citations=cited, why=form.get("why", ""))
        citations.link_label_citations(db.session, current_user, found, cited)
        return made, propose_same_claim(made)

    return act(make_label,
               done=lambda made: f"Labelled '{made[0].kind.display_name}'." + made[1],
               then=lambda made: url_for(".post", permalink=permalink)
               + f"#label-{made[0].id}",
               refused=lambda error: _post_page(permalink, str(error), form, 400))


def _span(form) -> str | None:
    if form.get("scope") == "post":
        return None
    return form.get("exact") or None


@bp.route("/labels/<int:label_id>/edit", methods=["GET", "POST"])
@needs(LABEL_WRITE)
def edit_label(label_id: int):
    label = db.get_or_404(Label, label_id)
    found = archive.get_post_by_id(label.post_id)
    if request.method == "GET":
        return _edit_label_page(label, found)
    form = request.form

    def revise() -> None:
        cited = citations.citations_from_text(db.session, form.get("citations", ""))
        evidence.revise_label(
            db.session, current_user, label, kind_key=form.get("kind", ""),
            rationale=form.get("rationale", ""), citations=cited,
            why=form.get("why", ""), exact=_span(form),
            prefix=form.get("prefix", ""), suffix=form.get("suffix", ""))
        citations.link_label_citations(db.session, current_user, found, cited)

    return act(revise, done="Label revised.",
               then=url_for(".post", permalink=found.permalink),
               refused=lambda error: _edit_label_page(
                   db.get_or_404(Label, label_id), found, str(error), form, 400))


def _edit_label_page(label: Label, post, error: str = "", form=None,
                     status: int = 200):
    return render_template("moderation/edit_label.html", label=label, post=post,
                           kinds=evidence.label_kinds(db.session), form=form or {},
                           error=error), status


@bp.post("/labels/<int:label_id>/withdraw")
@needs(LABEL_WRITE)
def withdraw_label(label_id: int):
    label = db.get_or_404(Label, label_id)
    return act_on_item(label, evidence.withdraw_label, "why", done="Label withdrawn.",
                       keep_form=False)


@bp.post("/labels/<int:label_id>/restore")
@needs(LABEL_WRITE)
def restore_label(label_id: int):
    label = db.get_or_404(Label, label_id)
    return act_on_item(label, evidence.restore_label, "why", done="Label restored.",
                       keep_form=False)


@bp.post("/p/<permalink>/citations")
@needs(CITATION_WRITE)
def attach_citation(permalink: str):
    return act_on_found(permalink, citations.attach_citation, "identifier", "note",
                        done="Citation attached.", anchor="#citations")


@bp.post("/post-citations/<int:item_id>/decide")
@needs(CITATION_WRITE)
def decide_citation(item_id: int):
    item = db.get_or_404(PostCitation, item_id)
    decision = request.form.get("decision")
    if decision not in ("confirm", "reject"):
        abort(400, description="The decision must be 'confirm' or 'reject'.")
    found = archive.get_post_by_id(item.post_id)

    def refused(error: ForumError):
        stale = isinstance(error, citations.SuggestionDecided)  # decided meanwhile
        return _post_page(found.permalink, str(error), status=409 if stale else 400)

    return act(lambda: citations.decide_suggestion(
                   db.session, current_user, item, decision == "confirm",
                   request.form.get("why", "")),
               done="Citation confirmed." if decision == "confirm"
               else "Suggestion rejected.",
               then=url_for(".post", permalink=found.permalink) + "#suggestions",
               refused=refused)


@bp.post("/post-citations/<int:item_id>/detach")
@needs(CITATION_WRITE)
def detach_citation(item_id: int):
    item = db.get_or_404(PostCitation, item_id)
    return act_on_item(item, citations.detach_citation, "why",
                       done="Citation removed from the post.", anchor="#citations",
                       keep_form=False)


@bp.post("/p/<permalink>/scan")
@needs(CITATION_WRITE)
def scan_post(permalink: str):
    found = archive.get_post_by_permalink(permalink, include_hidden=True)
    added = citation_scan.suggest_citations(db.session, [found.id])
    db.session.commit()
    flash(f"Scan done: {added} new suggestion(s).")
    return redirect(url_for(".post", permalink=permalink) + "#suggestions")


@bp.post("/citations/<int:citation_id>/metadata")
@needs(CITATION_WRITE)
def citation_metadata(citation_id: int):
    citation = db.get_or_404(Citation, citation_id)
    back = url_for("evidence.citation", citation_id=citation_id)
    return act(lambda: citations.fetch_metadata(
                   db.session, current_user, citation,
                   current_app.extensions.get("forum_lookup")),
               done="Metadata updated.", then=back, refused=flash_and_return(back))


@bp.post("/audit/<int:entry_id>/undo")
@needs(LABEL_WRITE)
def undo(entry_id: int):
    from forum.models import AuditEntry

    entry = db.get_or_404(AuditEntry, entry_id)
    back = url_for(".audit_log")
    return act(lambda: evidence.undo_label_action(db.session, current_user, entry),
               done=f"Undid #{entry_id}.", then=back, refused=flash_and_return(back))


@bp.post("/p/<permalink>/hide")
@needs(POST_HIDE)
def hide_post(permalink: str):
    return act_on_found(permalink, moderation.hide_post, "reason", "why",
                        done="Post hidden from readers.")


@bp.post("/p/<permalink>/restore")
@needs(POST_HIDE)
def restore_post(permalink: str):
    return act_on_found(permalink, moderation.restore_post, "why",
                        done="Post shown to readers again.")


@bp.post("/flags/<int:flag_id>/resolve")
@needs(FLAG_RESOLVE)
def resolve_flag(flag_id: int):
    from forum.models import Flag

    flag = db.get_or_404(Flag, flag_id)
    return act_on_item(flag, moderation.resolve_flag, "outcome", "note",
                       done="Flag resolved.", anchor="#flags", keep_form=False)


@bp.get("/audit")
@needs(AUDIT_READ)
def audit_log():
    filters = _audit_filter()
    return render_template(
        "moderation/audit.html",
        entries=audit_view.entries(db.session, filters, page=page_arg(), per_page=50),
        filters=filters, args=_audit_args(filters),
        actions=audit_view.known_actions(db.session),
        actors=audit_view.known_actors(db.session))


def _audit_args(filters: audit_view.AuditFilter) -> dict:
    """The filters as query arguments, for the pager's links."""
    found = {"actor": filters.actor, "action": filters.action,
             "target": filters.target_type, "post": filters.post_id,
             "since": filters.since and filters.since.isoformat(),
             "until": filters.until and filters.until.isoformat()}
    return {name: value for name, value in found.items() if value}


def _audit_filter() -> audit_view.AuditFilter:
    return audit_view.AuditFilter(
        actor=request.args.get("actor") or None,
        action=request.args.get("action") or None,
        target_type=request.args.get("target") or None,
        post_id=id_arg("post", "a post"),
        since=_day("since"), until=_day("until"))
