"""What a redaction, takedown or purge may give as its reason, and the refusal.

The vocabulary every takedown module shares (`takedowns` re-exports it): the
reasons each form offers, the shortest text a redaction may remove, and the
error that says why an action cannot be done as asked.
"""

from __future__ import annotations

from forum.errors import ForumError

REDACT_REASONS = {
    "personal_information": "Personal information (phone, address, ...)",
    "third_party": "About a third party",
    "legal": "Legal request",
    "other": "Other",
}
TAKEDOWN_REASONS = {
    "author_request": "The author's request",
    "legal": "Legal request",
    "safety": "The author's safety",
}
PURGE_REASONS = {
    "legal": "Legal order",
    "illegal_content": "Illegal content",
    "author_request": "The author's request (erasure)",
}
MIN_REDACTION = 3


class TakedownRejected(ForumError):
    """A redaction, takedown or purge cannot be done as asked; says why."""
