"""Signing in and out (moderators and admins; readers need no account)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from forum.extensions import db
from forum.services.accounts import BadCredentials, LoginThrottled, authenticate

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = _safe_next(request.values.get("next", ""))
    if request.method == "GET":
        return render_template("auth/login.html", next_url=next_url)
    try:
        user = authenticate(db.session, request.form.get("name", ""),
                            request.form.get("password", ""), _client())
    except LoginThrottled as error:
        db.session.commit()
        return render_template("auth/login.html", error=str(error),
                               next_url=next_url), 429
    except BadCredentials as error:
        db.session.commit()
        return render_template("auth/login.html", error=str(error),
                               next_url=next_url), 401
    db.session.commit()
    login_user(user)
    flash(f"Signed in as {user.name}.")
    return redirect(next_url or url_for("moderation.index"))


@bp.post("/logout")
def logout():
    logout_user()
    flash("Signed out.")
    return redirect(url_for("archive.home"))


def _client() -> str:
    """The client's address (behind a proxy, configure ProxyFix to trust it)."""
    return request.remote_addr or "unknown"


def _safe_next(target: str) -> str:
    """Only a path on this site: never an open redirect to another host."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") \
            or target.startswith("//") or "\\" in target:
        return ""
    return target
