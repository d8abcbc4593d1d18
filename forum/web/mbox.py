"""The streamed mbox download every mbox route answers with."""

from __future__ import annotations

import re

from flask import Response, url_for
from sqlalchemy import Select

from forum.extensions import db
from forum.services import mbox_export

_SLOT = "PERMALINK"
PACKED = "mbox.gz"
# The last segment of every mbox route: one view answers both files, and
# `url_for` takes `file="mbox"` or `file="mbox.gz"`.
MBOX_FILE = f'<any(mbox, "{PACKED}"):file>'


def mbox_response(posts: Select | mbox_export.ChosenPosts, name: str,
                  file: str) -> Response:
    """A streamed download of `posts` as `name.mbox`, or `name.mbox.gz` when
    `file` (the route's last segment) asks for it gzipped.

    What it holds (a group, a thread, a search) was found before the first
    byte, so an unknown one is the usual 404 page, not a broken file; the
    stream needs no request context (links are made here, rows read through
    the export's own session), so one dropped unread cannot upset another
    request's.
    """
    packed = file == PACKED
    link = url_for("archive.post", permalink=_SLOT, _external=True)
    chunks = mbox_export.export_mbox(
        db.engine, posts, lambda permalink: link.replace(_SLOT, permalink))
    filename = re.sub(r"[^\w.-]+", "_", name)[:100] + ".mbox"
    if packed:
        chunks, filename = mbox_export.gzip_chunks(chunks), filename + ".gz"
    return Response(chunks,
                    mimetype="application/gzip" if packed else "application/mbox",
                    headers={"Content-Disposition":
                             f'attachment; filename="{filename}"'})
