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

bp = Blueprint("flags", __name__)
THANKS = "Thank you. A moderator will look at this post."


@bp.post("/p/<permalink>/flag")
def flag(permalink: str):
    post = archive.get_post_by_permalink(permalink)
    if request.form.get("website"):  # the honeypot: people never see this field
        flash(THANKS)
        return redirect(url_for("archive.post", permalink=permalink))
    config = current_app.config
    try:
        flag_post(db.session, post, request.form.get("reason", ""),
                  request.form.get("text", ""),
                  client_key(request.remote_addr or "unknown", config["SECRET_KEY"]),
                  per_hour=int(config["FORUM_FLAGS_PER_HOUR"]),
                  hide_at=int(config["FORUM_FLAG_HIDE_THRESHOLD"]))
    except FlagThrottled as error:
        db.session.rollback()
        return _again(post, str(error), 429)
    except ForumError as error:
        db.session.rollback()
        return _again(post, str(error), 400)
    db.session.commit()
    flash(THANKS)
    if post.is_hidden:
        return redirect(url_for("archive.home"))
    return redirect(url_for("archive.post", permalink=permalink))


def _again(post, error: str, status: int):
    if post.is_hidden:
        abort(status, description=error)
    return render_template(
        "archive/post.html", context=archive.post_context(post),
        evidence=evidence_view.post_evidence(db.session, post),
        flag_reasons=FLAG_REASONS, flag_error=error), status
