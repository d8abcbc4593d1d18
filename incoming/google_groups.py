"""Facts about Google Groups pages that the parser and the archive share.

The parser gives each post on a page an id in `ID_DOMAIN` and reads the
page's zone-less times as US Pacific; a repair in the archive finds those
posts by that domain and reads stored times with the same rule, so the rule
is written once, here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

ID_DOMAIN = "groups.google.invalid"
PACIFIC = ZoneInfo("America/Los_Angeles")


def pacific_instant(shown: datetime) -> tuple[datetime, int]:
    """(naive UTC instant, offset in minutes) of a US Pacific wall-clock time."""
    pacific = shown.replace(tzinfo=PACIFIC)
    offset = pacific.utcoffset()
    assert offset is not None, "a zoneinfo zone has an offset at every instant"
    return (pacific.astimezone(UTC).replace(tzinfo=None),
            int(offset.total_seconds()) // 60)
