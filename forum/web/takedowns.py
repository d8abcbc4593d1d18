"""Moderator pages for redactions, author takedowns and purges.

Thin views over `forum.services.takedowns` and its siblings
(`takedown_authors`, `takedown_purge`, `takedown_reasons`): parse the form,
call one service with `current_user`, commit, redirect; a refusal shows the
form's page again with the message and a 400.  Only admins see what a change
removed.
"""

from __future__ import annotations

from functools import partial

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from forum.extensions import db
from forum.models import Author, ContentChange
from forum.permissions import (
    AUTHOR_TAKEDOWN,
    MOD_VIEW,
    ORIGINAL_READ,
    POST_PURGE,
    POST_REDACT,
    has_permission,
)
from forum.services import (
    archive,
    takedown_authors,
    takedown_purge,
    takedown_reasons,
    takedowns,
)
from forum.web.acting import act, flash_and_return, plural
from forum.web.moderation import _post_page, act_on_found, needs

bp = Blueprint("takedowns", __name__)


@bp.post("/p/<permalink>/redact")
@needs(POST_REDACT)
def redact(permalink: str):
    whole_thread = request.form.get("thread_wide") == "1"
    return act_on_found(
        permalink, partial(takedowns.redact_post, thread_wide=whole_thread),
        "removed", "reason", "why",
        done=lambda change: f"Redacted in {_posts_changed(change)}.",
        anchor="#redactions")


@bp.post("/changes/<int:change_id>/revert")
@needs(MOD_VIEW)
def revert(change_id: int):
    change = db.get_or_404(ContentChange, change_id)
    back = _change_page(change)
    return act(lambda: takedowns.revert_change(db.session, current_user, change,
                                               request.form.get("why", "")),
               done="Change reverted: the removed text shows again.", then=back,
               refused=flash_and_return(back))


def _change_page(change: ContentChange) -> str:
    if change.kind == "redact" and change.post_id:
        post = archive.get_post_by_id(change.post_id)
        return url_for("moderation.post", permalink=post.permalink) + "#redactions"
    author = db.session.get_one(Author, change.author_id)
    return url_for(".author", slug=author.slug)


@bp.get("/a/<slug>/")
@needs(MOD_VIEW)
def author(slug: str):
    return _author_page(slug)


def _author_page(slug: str, error: str = "", status: int = 200):
    found = _author(slug)
    changes = db.session.scalars(
        db.select(ContentChange).where(ContentChange.author_id == found.id)
        .order_by(ContentChange.id.desc())).all()
    return render_template(
        "moderation/author.html", author=found, changes=changes, error=error,
        active=takedown_authors.active_takedown(db.session, found),
        pseudonym=takedown_authors.pseudonym_for(found),
        reasons=takedown_reasons.TAKEDOWN_REASONS,
        may_take_down=has_permission(current_user, AUTHOR_TAKEDOWN),
        sees_originals=has_permission(current_user, ORIGINAL_READ)), status


def _author(slug: str) -> Author:
    """Any author, even one whose posts are all hidden (readers get a 404)."""
    return db.first_or_404(db.select(Author).where(Author.slug == slug),
                           description="There is no such author in the archive.")


@bp.post("/a/<slug>/pseudonymise")
@needs(AUTHOR_TAKEDOWN)
def pseudonymise(slug: str):
    found = _author(slug)
    return act(lambda: takedown_authors.pseudonymise_author(
                   db.session, current_user, found, request.form.get("reason", ""),
                   request.form.get("why", ""),
                   also=request.form.get("also", "").splitlines()),
               done=lambda change: f"Pseudonymised as '{change.replacement}'; the "
                                   f"name or address was removed from "
                                   f"{_posts_changed(change)}.",
               then=url_for(".author", slug=slug),
               refused=lambda error: _author_page(slug, str(error), 400))


@bp.post("/p/<permalink>/purge")
@needs(POST_PURGE)
def purge(permalink: str):
    if request.form.get("confirm", "").strip() != permalink:
        return _post_page(permalink, "Type the post's permalink to confirm the "
                          "purge: it cannot be undone.", request.form, 400)
    return act_on_found(permalink, takedown_purge.purge_post, "reason", "why",
                        done="Post purged. Its permalink now shows a tombstone.")


def _posts_changed(change) -> str:
    return plural(len(takedowns.changed_post_ids(db.session, change)), "post")
