"""What a Ctrl-C leaves behind in an import, found and let go of.

A KeyboardInterrupt raised inside a database call can hide behind another
error (SQLAlchemy's, raised while cleaning up after it) and can leave a
half-closed connection alive through the traceback's frames.  The import
runner's catch-alls and its failure record use these to see the interrupt
for what it is and to let go of what it held.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator


def release_frames(exc: BaseException) -> None:
    """Clear the local variables of the finished frames behind `exc` and the
    errors it was raised in the handling of.

    A frame interrupted inside a statement holds that statement's cursor; on
    SQLite the connection SQLAlchemy closed after the interrupt keeps its write
    lock until its last statement is gone, so recording the failure would wait
    on this process's own lock.
    """
    for error in _chain(exc):
        traceback.clear_frames(error.__traceback__)


def interrupt_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The KeyboardInterrupt `exc` is, or that an error raised while cleaning
    up after it (a closed transaction's context manager, say) stands in front of."""
    return next((error for error in _chain(exc)
                 if isinstance(error, KeyboardInterrupt)), None)


def raise_interrupt_behind(exc: BaseException) -> None:
    """An error raised while cleaning up after a Ctrl-C is the Ctrl-C: not a
    reason to retry a batch message by message, quarantine a message or give
    up on a source, which the runner's catch-alls would otherwise do."""
    interrupt = interrupt_behind(exc)
    if interrupt is not None and interrupt is not exc:
        raise interrupt from exc


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and the errors it was raised while handling, each once."""
    seen: set[int] = set()
    error: BaseException | None = exc
    while error is not None and id(error) not in seen:
        yield error
        seen.add(id(error))
        error = error.__context__
