"""Deterministic identities: dedupe keys, permalinks, synthetic ids, author keys.

Everything here is a pure function of the message, so re-running an import
computes the same keys and adds nothing.
"""

from __future__ import annotations

import base64
import hashlib
import re

from forum.text.masking import mask_email
from incoming.message import IncomingMessage

# A Message-ID we trust to be globally unique: a local part, @, a real host part.
_STRONG_ID = re.compile(r"^[^@\s]+@[^@\s]+$")
# Host parts that misconfigured mailers share, so their ids collide.
_SHARED_HOSTS = {"localhost", "localhost.localdomain", "localdomain", "unknown"}
SYNTHETIC_DOMAIN = "synthetic.invalid"


def content_hash(msg: IncomingMessage) -> str:
    """SHA-256 of who, when, what and the exact body: equal only for true copies."""
    parts = [
        (msg.author_email or "").lower(),
        msg.author_name or "",
        msg.date.isoformat() if msg.date else "",
        msg.subject or "",
        msg.body_text or "",
        msg.body_html or "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "replace")).hexdigest()


def is_strong_id(message_id: str) -> bool:
    """Whether a Message-ID can be trusted alone (1997 ids like `x@` cannot)."""
    if not _STRONG_ID.match(message_id):
        return False
    return message_id.rsplit("@", 1)[1].lower().strip(".") not in _SHARED_HOSTS


def synthetic_id(digest: str) -> str:
    """A stable stand-in Message-ID for a message that has none."""
    return f"{digest[:32]}@{SYNTHETIC_DOMAIN}"


def dedupe_key(message_id: str, digest: str) -> str:
    """The archive's unique key: the id, plus the content hash for weak ids."""
    if is_strong_id(message_id):
        return message_id
    return f"{message_id}#{digest[:16]}"


def permalink_for(key: str) -> str:
    """Stable URL token: base32 of SHA-1 of the dedupe key (HyperKitty style)."""
    digest = hashlib.sha1(key.encode("utf-8", "replace")).digest()
    return base64.b32encode(digest).decode("ascii").rstrip("=").lower()


# The name of a message or page that names no author at all.
UNKNOWN_NAME = "Unknown"


def author_identity(name: str, email: str | None) -> str:
    """One author per address; per name where there is no address."""
    key = f"mail:{email.strip().lower()}" if email else f"name:{name.strip().lower()}"
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def signed_name(name: str, email: str | None) -> str:
    """The name a message is signed with: its From display name, else (an
    address-only From) its masked address, else "Unknown".

    Stored as the post's own name and as a new author's name; an address
    standing as a display name is kept and masked where it is shown.
    """
    email = (email or "").strip().lower()
    return (name or "").strip()[:255] or mask_email(email) or UNKNOWN_NAME


def author_slug(identity: str) -> str:
    """A short URL token for an author page that reveals nothing about them."""
    return permalink_for(identity)[:16]
