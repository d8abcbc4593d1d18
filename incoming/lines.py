"""Line helpers for message bodies that the parsers and the renderer share.

A parser trims the blank lines a page pads a body with; the renderer trims
them around a body's blocks and its signature.  Both mean the same thing by
a blank line (nothing but whitespace), so the rule is written once, here.
"""

from __future__ import annotations


def trim_blank_lines(lines: list[str]) -> list[str]:
    """`lines` without the blank (whitespace-only) lines at either end."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]
