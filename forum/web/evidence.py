"""Public evidence pages: a citation record and the posts that cite it."""

from __future__ import annotations

from flask import Blueprint, render_template

from forum.extensions import db
from forum.models import Citation
from forum.services import citations

bp = Blueprint("evidence", __name__)


@bp.get("/citations/<int:citation_id>/")
def citation(citation_id: int):
    record = db.get_or_404(Citation, citation_id,
                           description="There is no such citation.")
    return render_template("evidence/citation.html", citation=record,
                           posts=citations.posts_citing(db.session, record),
                           csl=citations.csl_json(record))
