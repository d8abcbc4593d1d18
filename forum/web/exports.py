"""Evidence exports for anyone: CSV, JSON and schema.org ClaimReview (JSON-LD)."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, current_app, jsonify, url_for

from forum.extensions import db
from forum.services import exports

bp = Blueprint("exports", __name__)


def _site() -> exports.Site:
    return exports.Site(
        name=current_app.config["FORUM_SITE_NAME"],
        home=url_for("archive.home", _external=True),
        post_url=lambda permalink: url_for("archive.post", permalink=permalink,
                                           _external=True))


@bp.get("/labels.csv")
def labels_csv():
    return _csv(exports.LABEL_COLUMNS, exports.label_rows(db.session, _site()),
                "evidence-labels.csv")


@bp.get("/citations.csv")
def citations_csv():
    return _csv(exports.CITATION_COLUMNS, exports.citation_rows(db.session, _site()),
                "evidence-citations.csv")


@bp.get("/evidence.json")
def evidence_json():
    site = _site()
    return jsonify(labels=list(exports.label_rows(db.session, site)),
                   citations=list(exports.citation_rows(db.session, site)))


@bp.get("/claimreview.jsonld")
def claim_reviews():
    response = jsonify(exports.claim_reviews(db.session, _site()))
    response.mimetype = "application/ld+json"
    return response


def _csv(columns, rows, filename: str) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(value) for key, value in row.items()})
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


def _cell(value):
    """Spreadsheets run cells starting with = + - @ as formulas: quote them."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
