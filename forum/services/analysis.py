"""Work on a message's text that needs no database, done ahead of archiving.

The claim rules, the citation scan and compressing the original bytes cost
more than storing the message.  A large import does them in a reader process
beside the importer (importers/pipeline.py), on the other core, while the
importer stores the previous batch; the results ride along on the message
(`IncomingMessage.prepared`) and are used for the post stored from exactly that
message's text, so a post changed since (a ghost filled later, a takedown)
is scanned from the database as before.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from forum.citations.scan import FoundCitation, find_citations
from forum.claim_match.hints import ClaimHint, find_claim_hints
from forum.text.markup import post_plain_text
from incoming.message import IncomingMessage

RAW_LEVEL = 1  # zlib: a third of the size at a fifth of level 6's time


@dataclass(slots=True)
class Prepared:
    """What the scans found in the message's text, and its bytes compressed."""

    hints: list[ClaimHint]
    citations: list[FoundCitation]
    raw: bytes | None


def prepare_message(msg: IncomingMessage, keep_raw: bool = True) -> IncomingMessage:
    """Scan the text the post will be stored with; compress the original bytes."""
    text = post_plain_text(msg.body_text, msg.body_html)
    msg.prepared = Prepared(
        hints=find_claim_hints(text), citations=find_citations(text),
        raw=compress_raw(msg.raw) if keep_raw else None)
    return msg


def compress_raw(raw: bytes | None) -> bytes | None:
    return zlib.compress(raw, RAW_LEVEL) if raw else None
