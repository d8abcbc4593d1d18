"""The rows an archiving batch writes, made from messages: posts, ghosts,
authors, threads, sources, and the new content of a healed post.

Plain dicts for executemany (`forum.services.batch_rows` writes them).  Every
row of one executemany must have the same keys, so a ghost's row names every
column a post's does.
"""

from __future__ import annotations

from typing import Any

from forum.services import identity
from forum.services.analysis import compress_raw
from forum.services.posting_known import Prepared
from forum.text.masking import mask_email
from incoming.message import IncomingMessage

Row = dict[str, Any]
# Message-IDs and dedupe keys are cut to their columns' lengths.
MID_LENGTH, KEY_LENGTH, POSITION_LENGTH = 998, 1100, 255


def _content(item: Prepared) -> Row:
    """What a message says, and who signed it: a new post's and a healed one's."""
    msg = item.msg
    return {
        "subject": msg.subject or "",
        "author_name": identity.signed_name(msg.author_name, msg.author_email),
        "body_text": msg.body_text or "", "body_html": msg.body_html,
        "content_hash": item.digest, "date_note": msg.date_note,
        "date_offset": msg.date_offset,
    }


def post_row(item: Prepared, author_id: int, run_id: int | None) -> Row:
    """A message's post, but for its id, thread, parent and ghost flag (a new
    post gets them; a filled ghost keeps its own)."""
    msg = item.msg
    return {
        **_content(item),
        "message_id": item.mid[:MID_LENGTH], "dedupe_key": item.key[:KEY_LENGTH],
        "permalink": identity.permalink_for(item.key),
        "is_synthetic_id": item.synthetic, "is_hidden": False,
        "parent_confidence": msg.parent_confidence,
        "parent_evidence": msg.parent_evidence,
        "date_precision": msg.date_precision, "source_url": msg.source_url,
        "depth": 0, "thread_order": 0, "author_id": author_id, "date": msg.date,
        "references": " ".join(msg.parent_ids), "import_run_id": run_id,
        "truncated": msg.truncated,
    }


def heal_row(post_id: int, item: Prepared) -> Row:
    """The new content of a post stored cut off, from a complete copy."""
    return {"pid": post_id, **_content(item)}


def ghost_row(post_id: int, ref: str, thread_id: int, parent_id: int | None,
              run_id: int | None) -> Row:
    """A placeholder for a message replies name but the archive has not got."""
    return {
        "id": post_id, "message_id": ref[:MID_LENGTH], "dedupe_key": ref[:KEY_LENGTH],
        "permalink": identity.permalink_for(ref), "is_synthetic_id": False,
        "is_ghost": True, "is_hidden": False, "thread_id": thread_id,
        "parent_id": parent_id, "parent_confidence": None,
        "parent_evidence": None, "date_precision": "exact", "source_url": None,
        "depth": 0, "thread_order": 0, "author_id": None, "author_name": None,
        "subject": "", "date": None, "date_note": None, "date_offset": None,
        "body_text": "", "body_html": None,
        "content_hash": "", "references": "", "import_run_id": run_id,
        "truncated": None,
    }


def author_row(author_id: int, ident: str, msg: IncomingMessage) -> Row:
    """A new author, named as their first post is signed."""
    email = (msg.author_email or "").strip().lower() or None
    return {
        "id": author_id,
        "identity": ident,
        "slug": identity.author_slug(ident),
        "name": identity.signed_name(msg.author_name, email),
        "email": email,
        "masked_email": mask_email(email) if email else None,
        "post_count": 0,
    }


def thread_row(thread_id: int, subject: str) -> Row:
    """A new thread; its summary is filled in when the batch's threads are
    refreshed."""
    return {"id": thread_id, "subject": subject or "", "subject_key": "",
            "post_count": 0}


def source_row(post_id: int, msg: IncomingMessage, keep_raw: bool) -> Row:
    """Where a post's copy came from, with its source bytes (compressed) if kept."""
    raw = None
    if keep_raw:
        raw = msg.prepared.raw if msg.prepared else compress_raw(msg.raw)
    return {"post_id": post_id, "source": msg.source,
            "position": msg.position[:POSITION_LENGTH], "raw": raw}
