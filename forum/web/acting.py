"""A form that changes something (a moderator's, or a reader's flag) is
answered the same way everywhere, so that lives here once.

Run the service call; when it succeeds, commit, say what was done and go back
to the page the moderator acted on; when the service refuses (a ForumError,
whose message says why in words a moderator acts on), roll back everything
the request did and show that message instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect
from flask.typing import ResponseReturnValue

from forum.errors import ForumError
from forum.extensions import db

Refused = Callable[[ForumError], ResponseReturnValue]
# A message or an address, given as it is or made from what the change returned.
FromResult = str | Callable[[Any], str]


def act(change: Callable[[], Any], *, done: FromResult, then: FromResult,
        refused: Refused) -> ResponseReturnValue:
    """`change()` calls the service and returns what it made (or None).

    `done` (the message) and `then` (where to go) may be functions of that
    result; they are read before the commit, which expires the objects.
    """
    try:
        made = change()
    except ForumError as error:
        db.session.rollback()
        return refused(error)
    message = done(made) if callable(done) else done
    target = then(made) if callable(then) else then
    db.session.commit()
    flash(message)
    return redirect(target)


def flash_and_return(address: str) -> Refused:
    """A refusal shown as a message on the page the moderator came from."""
    def refused(error: ForumError) -> ResponseReturnValue:
        flash(str(error))
        return redirect(address)
    return refused


def plural(count: int, noun: str) -> str:
    """`1 post`, `3 posts`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
