"""Atom documents (RFC 4287) for search results, groups and threads.

Every feed is built from already-visible posts by its view; this module only
writes XML: names and text are masked, characters XML cannot carry dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Response, url_for

from forum.models import Post
from forum.text.markup import post_plain_text
from forum.text.masking import mask_addresses
from forum.web.filters import iso

ATOM = "http://www.w3.org/2005/Atom"
SUMMARY_CHARS = 400
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
ET.register_namespace("", ATOM)


@dataclass(frozen=True)
class Entry:
    post: Post
    summary: str


def post_summary(post: Post) -> str:
    """The start of a post's text, masked: what a feed reader shows."""
    text = " ".join(post_plain_text(post.body_text, post.body_html).split())
    if len(text) > SUMMARY_CHARS:
        text = text[:SUMMARY_CHARS].rsplit(" ", 1)[0] + "…"
    return mask_addresses(text)


def atom_response(title: str, self_url: str, page_url: str,
                  entries: Iterable[Entry]) -> Response:
    entries = list(entries)
    root = ET.Element(f"{{{ATOM}}}feed")
    _add(root, "title", mask_addresses(title))
    _add(root, "id", self_url)
    _add(root, "updated", _newest(entries))
    _link(root, self_url, rel="self", type="application/atom+xml")
    _link(root, page_url, rel="alternate", type="text/html")
    for entry in entries:
        _entry(root, entry)
    return Response(ET.tostring(root, encoding="utf-8", xml_declaration=True),
                    mimetype="application/atom+xml")


def _entry(root: ET.Element, item: Entry) -> None:
    post = item.post
    url = url_for("archive.post", permalink=post.permalink, _external=True)
    entry = ET.SubElement(root, f"{{{ATOM}}}entry")
    _add(entry, "title", mask_addresses(post.subject) or "(no subject)")
    _add(entry, "id", url)
    _link(entry, url, rel="alternate", type="text/html")
    _add(entry, "updated", iso(post.date) or "1970-01-01T00:00:00Z")
    author = ET.SubElement(entry, f"{{{ATOM}}}author")
    _add(author, "name", mask_addresses(post.byline) or "Unknown")
    _add(entry, "summary", item.summary).set("type", "text")


def _add(parent: ET.Element, tag: str, text: str) -> ET.Element:
    child = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    child.text = _NOT_XML.sub("", text)
    return child


def _link(parent: ET.Element, href: str, **attributes: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}link", {"href": href, **attributes})


def _newest(entries: list[Entry]) -> str:
    dates = [entry.post.date for entry in entries if entry.post.date is not None]
    return iso(max(dates) if dates else datetime.now(UTC))
