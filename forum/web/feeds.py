"""Atom feeds of a group's and a thread's newest posts, for feed readers.

Built from visible posts only (the same rule as the pages), so a hidden,
purged or redacted post is never in a feed; each entry's summary is the
start of the post's text, masked.
"""

from __future__ import annotations

from flask import Blueprint, url_for

from forum.services import archive
from forum.web.atom import Entry, atom_response, post_summary

bp = Blueprint("feeds", __name__)
FEED_SIZE = 50


@bp.get("/g/<path:name>/feed.atom")
def group_feed(name: str):
    group = archive.get_group(name)
    posts = archive.newest_posts(group=group, limit=FEED_SIZE)
    return atom_response(
        f"{group.name}: newest posts",
        url_for(".group_feed", name=group.name, _external=True),
        url_for("archive.group", name=group.name, _external=True),
        (Entry(post, post_summary(post)) for post in posts))


@bp.get("/t/<int:thread_id>/feed.atom")
def thread_feed(thread_id: int):
    thread = archive.get_thread(thread_id)
    posts = archive.newest_posts(thread=thread, limit=FEED_SIZE)
    first = archive.first_visible_posts([thread.id]).get(thread.id)
    subject = first.subject if first else ""  # Thread.subject may be a hidden one's
    return atom_response(
        f"Thread: {subject}",
        url_for(".thread_feed", thread_id=thread.id, _external=True),
        url_for("archive.thread", thread_id=thread.id, _external=True),
        (Entry(post, post_summary(post)) for post in posts))
