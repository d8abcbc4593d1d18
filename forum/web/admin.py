"""Admin pages: the evidence taxonomy (names, definitions, severity)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from forum.errors import ForumError
from forum.extensions import db
from forum.models import LabelKind
from forum.models.evidence import SEVERITIES
from forum.permissions import TAXONOMY_WRITE
from forum.services import evidence
from forum.web.moderation import needs

bp = Blueprint("admin", __name__)


@bp.get("/labels")
@needs(TAXONOMY_WRITE)
def label_kinds():
    return render_template("admin/label_kinds.html", severities=SEVERITIES,
                           kinds=evidence.label_kinds(db.session, active_only=False),
                           error="")


@bp.post("/labels/<key>")
@needs(TAXONOMY_WRITE)
def update_label_kind(key: str):
    kind = db.first_or_404(select(LabelKind).where(LabelKind.key == key))
    form = request.form
    try:
        evidence.update_label_kind(
            db.session, current_user, kind,
            display_name=form.get("display_name", ""),
            definition=form.get("definition", ""), severity=form.get("severity", ""),
            requires_citation=form.get("requires_citation") == "on",
            is_active=form.get("is_active") == "on")
    except ForumError as error:
        db.session.rollback()
        return render_template(
            "admin/label_kinds.html", severities=SEVERITIES, error=str(error),
            kinds=evidence.label_kinds(db.session, active_only=False)), 400
    db.session.commit()
    flash(f"Saved '{kind.display_name}'.")
    return redirect(url_for(".label_kinds") + f"#kind-{key}")
