"""A post's text as it was written, line for line: what its reflowed body
was made from (forum.text.reflow), one click from the post.

It serves the stored text with every address masked, never the stored source
bytes: those keep transport headers, full addresses and any words a
moderator's redaction took out of the text.
"""

from __future__ import annotations

from flask import Blueprint, Response

from forum.services import archive
from forum.text.markup import as_posted_text

bp = Blueprint("raw", __name__)


@bp.get("/p/<permalink>/as-posted.txt")
def post_text(permalink: str) -> Response:
    """The visible post's text, line for line, as text/plain."""
    post = archive.get_post_by_permalink(permalink)
    text = as_posted_text(post.body_text, post.body_html)
    return Response(text, mimetype="text/plain")
