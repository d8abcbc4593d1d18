"""Deciding a suggestion that waits in the review queue: once, and no with a reason.

A same-claim proposal (`claim_proposals`) and a reference written out as text
(`references`) each wait until a moderator decides them.  Both follow the
same two rules: a decided one is not decided again (the post's page and the
queue may both show it, and two moderators may race), and rejecting it needs
a reason, kept with whitespace collapsed.
"""

from __future__ import annotations

from forum.errors import ForumError

MAX_REASON = 2000


def refuse_decided(status: str, waiting: str, what: str,
                   refusal: type[ForumError]) -> None:
    """`refusal` unless the status is still the waiting one."""
    if status != waiting:
        raise refusal(f"This {what} was {status} already.")


def reason_given(reason: str | None, refusal: type[ForumError], ask: str) -> str:
    """The moderator's reason, whitespace collapsed and cut to MAX_REASON;
    `refusal(ask)` when there is none."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise refusal(ask)
    return reason[:MAX_REASON]
