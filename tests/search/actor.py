"""A moderator at work, in a process of its own, for the multi-process tests.

    python -m tests.search.actor ROLE COUNT [SEED]

ROLE is `hider` (hides posts and redacts a phrase of others), `labeller`
(labels posts), `hide POST_ID` or `redact POST_ID PHRASE` (one action).  Posts
are chosen among those that existed when the actor started.  Each action runs
through the services in a transaction of its own, as a web request would, and
is printed as one JSON line; any failure (a lock error, say) ends the process
with a traceback and exit status 1.
"""

from __future__ import annotations

import json
import random
import re
import sys

from sqlalchemy import select

from forum import create_app
from forum.extensions import db, write_intent
from forum.models import Post, User
from forum.services.accounts import create_user
from forum.services.evidence import label_post
from forum.services.moderation import hide_post
from forum.services.takedowns import redact_post

PHRASE = re.compile(r"\b([A-Za-z]{6,}) ([A-Za-z]{6,})\b")


def main(argv: list[str]) -> None:
    app = create_app()
    with app.app_context():
        role = argv[0]
        if role == "hide":
            act(lambda user: hide(user, db.session.get(Post, int(argv[1]))))
        elif role == "redact":
            act(lambda user: redact(user, db.session.get(Post, int(argv[1])),
                                    argv[2]))
        else:
            work(role, int(argv[1]), random.Random(int(argv[2]) if len(argv) > 2
                                                   else 1))
        db.engine.dispose()


def work(role: str, count: int, rng: random.Random) -> None:
    ids = list(db.session.scalars(select(Post.id).where(
        Post.is_ghost.is_(False), Post.is_hidden.is_(False)).order_by(Post.id)))
    db.session.rollback()
    rng.shuffle(ids)
    step = {"hider": hide_or_redact, "labeller": label}[role]
    for post_id in ids[:count]:
        act(lambda user, post_id=post_id: step(user, db.session.get(Post, post_id)))


def act(step) -> None:
    """One action in one transaction, printed once it has committed."""
    with write_intent():
        user = moderator()
        done = step(user)
        db.session.commit()
    if done:
        print(json.dumps(done), flush=True)


def moderator() -> User:
    name = f"actor-{sys.argv[1]}"
    user = db.session.scalar(select(User).where(User.name == name))
    return user or create_user(db.session, name, "a long test password", "admin")


def hide_or_redact(user: User, post: Post) -> dict | None:
    return hide(user, post) if post.id % 2 else redact(user, post)


def hide(user: User, post: Post) -> dict:
    hide_post(db.session, user, post, "spam", why="multi-process test")
    return {"action": "hide", "post": post.id}


def redact(user: User, post: Post, phrase: str | None = None) -> dict | None:
    if phrase is None:
        found = PHRASE.search(post.body_text or "")
        if not found:
            return None
        phrase = found.group(0)
    redact_post(db.session, user, post, phrase, "personal_information",
                why="multi-process test")
    return {"action": "redact", "post": post.id, "text": phrase}


def label(user: User, post: Post) -> dict:
    label_post(db.session, user, post, "unsupported",
               "No trial supports this; a multi-process test labelled it.")
    return {"action": "label", "post": post.id, "kind": "unsupported"}


if __name__ == "__main__":
    main(sys.argv[1:])
