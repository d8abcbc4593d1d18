"""What a message read from a source is, before it enters the archive.

Parsers (`importers`) make these and the archive's one door
(`forum.services.posting`: `Archiver.archive`, or `archive_message` for one)
takes them.  Neither side owns the other, so the contract lives here, below
both: plain data with no database, no Flask and no parser behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class IncomingMessage:
    """One message as read from a source, already decoded to text.

    `message_id` and the reference ids are bare (no angle brackets) or None.
    `date` is a naive UTC datetime or None when no usable date could be found;
    `date_note` then says what was repaired or guessed; `date_offset` is the
    offset the source wrote the date in, minutes east of UTC (-240 for `-0400`),
    or None when it gave none (the date is then shown in UTC).  `raw` keeps the source
    bytes so a later, stricter renderer can start again from the original.
    """

    source: str
    position: str
    message_id: str | None = None
    subject: str = ""
    author_name: str = ""
    author_email: str | None = None
    date: datetime | None = None
    date_note: str | None = None
    date_offset: int | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    body_text: str = ""
    body_html: str | None = None
    raw: bytes | None = None
    no_archive: bool = False
    repairs: list[str] = field(default_factory=list)
    # Page importers make their own deterministic ids (so replies can name their
    # parents) and mark them synthetic; a None id gets one from the archive.
    synthetic_id: bool = False
    # Set by page importers whose parent was inferred rather than declared:
    # how sure (0..1) and what it was inferred from (human-readable).
    parent_confidence: float | None = None
    parent_evidence: str | None = None
    # "exact", or "day" when the source shows a placeholder time (Google Groups
    # gives old posts 3:00:00 AM): the date is right, the time is unknown.
    date_precision: str = "exact"
    # Where the message was published, for pages and articles.
    source_url: str | None = None
    # Why this copy may be cut off (the file ends mid-message, a base64 part
    # stops short, the closing MIME boundary is missing), or None.
    truncated: str | None = None
    # Work on the text that needs no database, done ahead of archiving by the
    # import runner (forum.services.analysis); parsers leave it None.
    prepared: Any = None

    @property
    def parent_ids(self) -> list[str]:
        """References then In-Reply-To, oldest first, without repeats or self."""
        seen: list[str] = []
        for ref in [*self.references, self.in_reply_to]:
            if ref and ref != self.message_id and ref not in seen:
                seen.append(ref)
        return seen
