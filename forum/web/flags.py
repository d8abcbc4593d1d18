"""Readers flag posts: no account, CSRF-protected, rate-limited, with a honeypot."""

from __future__ import annotations

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

from forum.errors import ForumError
from forum.extensions import db
from forum.services import archive, evidence_view
from forum.services.moderation import (
    FLAG_REASONS,
    FlagThrottled,
    client_key,
    flag_post,
)
from forum.web.acting import act

bp = Blueprint("flags", __name__)
THANKS = "Thank you. A moderator will look at this post."


@bp.post("/p/<permalink>/flag")
def flag(permalink: str):
    post = archive.get_post_by_permalink(permalink)
    back = url_for("archive.post", permalink=permalink)
    if request.form.get("website"):  # the honeypot: people never see this field
        flash(THANKS)
        return redirect(back)
    config = current_app.config
    return act(lambda: flag_post(
                   db.session, post, request.form.get("reason", ""),
                   request.form.get("text", ""),
                   client_key(request.remote_addr or "unknown", config["SECRET_KEY"]),
                   per_hour=int(config["FORUM_FLAGS_PER_HOUR"]),
                   hide_at=int(config["FORUM_FLAG_HIDE_THRESHOLD"])),
               done=THANKS,
               # Enough flags hide the post, and its page with it.
               then=lambda _flag: url_for("archive.home") if post.is_hidden else back,
               refused=lambda error: _again(post, error))


def _again(post, error: ForumError):
    """The post's page again with the refusal: 429 for a reader who flags too
    much, 400 for a form to put right."""
    status = 429 if isinstance(error, FlagThrottled) else 400
    if post.is_hidden:
        abort(status, description=str(error))
    return render_template(
        "archive/post.html", context=archive.post_context(post),
        evidence=evidence_view.post_evidence(db.session, post),
        flag_reasons=FLAG_REASONS, flag_error=str(error)), status
