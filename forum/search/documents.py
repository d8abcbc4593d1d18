"""What is indexed for a post: its own words, never its transport headers.

Subject, the post's new text and its quoted text (separately, so a search can
tell a claim made from a claim quoted), author name, groups, date and thread.
Headers such as Path, Received or Xref are never indexed: in 20 Newsgroups'
sci.med "magnesium" is a relay host in 263 Path headers and a word in 7 bodies.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from forum.markup import mask_addresses, post_plain_text, split_blocks

_NEW_KINDS = ("text", "signature")
_QUOTED_KINDS = ("quote", "tail")


@dataclass(slots=True)
class PostDocument:
    post_id: int
    thread_id: int
    subject: str
    author: str
    new_text: str
    quoted_text: str
    groups: list[str]
    date: datetime | None
    stamp: str
    # Evidence: active label kinds, confirmed PMIDs, and "citation"/"label".
    labels: list[str] = field(default_factory=list)
    pmids: list[str] = field(default_factory=list)
    has: list[str] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        return self.date.year if self.date else None


def split_new_and_quoted(body: str) -> tuple[str, str]:
    """The post's own words and the words it quotes, as two texts."""
    new, quoted = [], []
    for block in split_blocks((body or "").splitlines()):
        if block.kind in _NEW_KINDS:
            new.extend(block.lines)
        elif block.kind in _QUOTED_KINDS:
            quoted.extend(line.lstrip(">:| ") for line in block.lines)
    return "\n".join(new), "\n".join(quoted)


def document_stamp(content_hash: str, subject: str, author: str,
                   groups: list[str], thread_id: int, evidence: str = "") -> str:
    """A short fingerprint of everything indexed, so `verify` can spot stale docs."""
    raw = "\x1f".join([content_hash, subject, author, ",".join(sorted(groups)),
                       str(thread_id), evidence])
    return hashlib.sha1(raw.encode("utf-8", "replace")).hexdigest()[:16]


def build_document(row, groups: list[str], labels: list[str] = (),
                   pmids: list[str] = (), cited: bool = False) -> PostDocument:
    """A document from a post row (id, thread_id, subject, author name, body...).

    Addresses are masked before indexing, exactly as pages show them, so no
    search, suggestion or facet can reveal or confirm a hidden address.
    """
    body = mask_addresses(post_plain_text(row.body_text, row.body_html))
    new, quoted = split_new_and_quoted(body)
    author = mask_addresses(row.author_name or "")
    subject = mask_addresses(row.subject or "")
    labels, pmids = sorted(set(labels)), sorted(set(pmids))
    has = (["citation"] if cited else []) + (["label"] if labels else [])
    # Empty for a post without evidence, so older stamps stay valid.
    evidence = f"{','.join(labels)};{','.join(pmids)};{','.join(has)}" \
        if has else ""
    return PostDocument(
        post_id=row.id, thread_id=row.thread_id, subject=subject,
        author=author, new_text=new, quoted_text=quoted, groups=sorted(groups),
        date=row.date,
        stamp=document_stamp(row.content_hash or "", subject, author,
                             groups, row.thread_id, evidence),
        labels=labels, pmids=pmids, has=has,
    )
