"""Moderator thread tools: move a post, split a thread, merge two threads.

Thin views over `forum.services.thread_tools`, posted from the moderator post
page: parse the form, call one service with `current_user`, commit once,
redirect.  A refusal (a loop, an unknown post or thread, a reference that is
not one) shows the post page again with the message and a 400.  The other
post and thread are given as a moderator copies them: a permalink or any
URL that holds one, a thread number or its URL.
"""

from __future__ import annotations

import re

from flask import Blueprint, request
from flask_login import current_user

from forum.extensions import db
from forum.permissions import THREAD_EDIT, has_permission
from forum.services import archive, thread_tools
from forum.web.acting import plural
from forum.web.moderation import act_on_found, act_on_post, needs

bp = Blueprint("thread_tools", __name__)
# /p/<permalink>/, /mod/p/<permalink>/, /t/1/#p-<permalink>, or the bare permalink.
_PERMALINK = re.compile(r"(?:^|/p/|#p-)([a-z2-7]{32})(?=$|[/?#])")
# 12, /t/12/, /api/v1/threads/12
_THREAD = re.compile(r"^(\d{1,12})$|/(?:t|threads)/(\d{1,12})(?=$|[/?#.])")
TOOLS = "#thread-tools"  # the moderator post page's section these forms are in


@bp.app_template_global()
def thread_tools_panel(post) -> thread_tools.ParentInfo | None:
    """What the moderator post page's thread section shows, for those who may edit."""
    if not has_permission(current_user, THREAD_EDIT):
        return None
    return thread_tools.parent_info(db.session, post)


@bp.app_template_global()
def parent_needs_check(post) -> bool:
    """A thread page's hint, for moderators only, on weakly inferred parents."""
    return thread_tools.is_low_confidence(post) and has_permission(
        current_user, THREAD_EDIT)


@bp.post("/p/<permalink>/reattach")
@needs(THREAD_EDIT)
def reattach(permalink: str):
    found = archive.get_post_by_permalink(permalink, include_hidden=True)
    form = request.form
    return act_on_post(
        permalink,
        lambda: thread_tools.reattach(db.session, current_user, found,
                                      _post_from(form.get("parent", "")),
                                      form.get("why", "")),
        done=lambda moved: f"Moved {plural(len(moved), 'post')} under the new parent.",
        anchor=TOOLS)


@bp.post("/p/<permalink>/confirm-parent")
@needs(THREAD_EDIT)
def confirm_parent(permalink: str):
    return act_on_found(permalink, thread_tools.confirm_parent, "why",
                        done="Parent confirmed.", anchor=TOOLS)


@bp.post("/p/<permalink>/split")
@needs(THREAD_EDIT)
def split(permalink: str):
    return act_on_found(permalink, thread_tools.split, "why",
                        done=lambda thread: f"Split off as thread {thread.id}.",
                        anchor=TOOLS)


@bp.post("/p/<permalink>/merge")
@needs(THREAD_EDIT)
def merge(permalink: str):
    """Merge the thread this post is in into another one."""
    found = archive.get_post_by_permalink(permalink, include_hidden=True)
    form = request.form

    def merge_into():
        into = thread_tools.find_thread(db.session,
                                        _thread_id_from(form.get("into", "")))
        thread_tools.merge(db.session, current_user, found.thread, into,
                           form.get("why", ""))
        return into

    return act_on_post(permalink, merge_into,
                       done=lambda into: f"Merged into thread {into.id}.", anchor=TOOLS)


def _post_from(text: str):
    found = _PERMALINK.search(text.strip().lower())
    if not found:
        raise thread_tools.ThreadEditRejected(
            "Give the new parent's permalink or a URL of its page.")
    return archive.get_post_by_permalink(found.group(1), include_hidden=True)


def _thread_id_from(text: str) -> int:
    found = _THREAD.search(text.strip())
    if not found:
        raise thread_tools.ThreadEditRejected(
            "Give the other thread's number or the URL of its page.")
    return int(found.group(1) or found.group(2))
