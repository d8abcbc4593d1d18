"""One progress line on stderr for every long command: done, total, rate, ETA.

A command that runs for minutes (an import, an index rebuild, a scan, a news
pull) should say how far it has come and when it will end, the way wget and
rsync do.  The line is redrawn in place (carriage return), at most a few
times a second so drawing never costs the work anything, and only when
stderr is a terminal: a cron job's log or a pipe gets nothing but the final
report, and `--quiet` silences it at a terminal too.

Totals are in whatever unit the work knows up front (bytes of the files to
read, article numbers of a news group, posts to index); without a total the
line shows the count and the rate only.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 24
REDRAW_EVERY = 0.2  # seconds


class Progress:
    """A redrawn line: `[#####.....] 45%  12.3 MB of 27.3 MB  1.2 MB/s  ETA 0:12`."""

    def __init__(self, noun: str, total: int | None = None, *, unit: str = "",
                 quiet: bool = False, stream: TextIO | None = None,
                 clock=time.monotonic) -> None:
        self.noun, self.total, self.unit = noun, total, unit
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = not quiet and _is_terminal(self.stream)
        self.clock = clock
        self.started = clock()
        self.done = 0
        self._drawn_at: float | None = None
        self._width = 0

    def elapsed(self) -> float:
        return self.clock() - self.started

    def update(self, done: int, total: int | None = None, *, note: str = "") -> None:
        """Record `done` (and a corrected total); redraw when it is time."""
        self.done = done
        if total is not None:
            self.total = total
        now = self.clock()
        if self.enabled and (self._drawn_at is None
                             or now - self._drawn_at >= REDRAW_EVERY):
            self._drawn_at = now
            self._draw(self.line(note))

    def advance(self, by: int = 1) -> None:
        self.update(self.done + by)

    def finish(self, note: str = "") -> None:
        """Draw the final state and end the line, so the report starts clean."""
        if self.enabled:
            self._draw(self.line(note))
            self.stream.write("\n")
            self.stream.flush()

    def clear(self) -> None:
        """End the line without a final draw (the command failed)."""
        if self.enabled and self._drawn_at is not None:
            self.stream.write("\n")
            self.stream.flush()

    def line(self, note: str = "") -> str:
        """The text of the line for the current state (no carriage return)."""
        rate = self.done / self.elapsed() if self.elapsed() > 0 else 0.0
        parts = []
        if self.total:
            share = min(self.done / self.total, 1.0)
            filled = int(WIDTH * share)
            parts.append(f"[{'#' * filled}{'.' * (WIDTH - filled)}] {share:4.0%}")
            parts.append(f"{self.noun} {self._amount(self.done)} of "
                         f"{self._amount(self.total)}")
        else:
            parts.append(f"{self.noun} {self._amount(self.done)}")
        parts.append(f"{self._amount(rate)}/s")
        if self.total and rate > 0:
            parts.append(f"ETA {clock_time(max(self.total - self.done, 0) / rate)}")
        if note:
            parts.append(note)
        return "  ".join(parts)

    def _amount(self, value: float) -> str:
        if self.unit == "B":
            return human_bytes(value)
        return f"{value:,.0f}"

    def _draw(self, text: str) -> None:
        padding = " " * max(self._width - len(text), 0)
        self._width = len(text)
        self.stream.write(f"\r{text}{padding}")
        self.stream.flush()


def human_bytes(value: float) -> str:
    """1536 -> '1.5 KB' (powers of 1024, one decimal above bytes)."""
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} TB"  # pragma: no cover - the loop returns at GB


def clock_time(seconds: float) -> str:
    """75 -> '1:15'; 3725 -> '1:02:05'."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a file
        return False
