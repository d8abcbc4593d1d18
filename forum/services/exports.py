"""Evidence exports: labels and citations as rows, verdicts as ClaimReview.

Only what a reader may see is exported: active labels and confirmed
citations on visible posts.  Hidden posts, withdrawn labels and unconfirmed
suggestions never leave the archive this way.  Author names are masked as on
the pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from forum.extensions import DbSession
from forum.models import Label, Post, PostCitation
from forum.services.visibility import VISIBLE
from forum.text.masking import mask_addresses

# How each verdict rates the claim on ClaimReview's 1 (false) .. 5 (true) scale.
VERDICT_RATINGS = {"consistent_with_evidence": 5, "limited_evidence": 3,
                   "outdated": 2, "unsupported": 2, "contradicted": 1}
LABEL_COLUMNS = ("label_id", "post", "post_url", "kind", "name", "severity",
                 "span", "rationale", "citations", "labelled_by", "labelled_at",
                 "updated_at", "revision")
CITATION_COLUMNS = ("post", "post_url", "kind", "identifier", "url", "title",
                    "container_title", "issued", "note", "in_quote", "origin")


@dataclass(frozen=True)
class Site:
    """What exports need to know of the site: its name and how to link a post."""

    name: str
    home: str
    post_url: Callable[[str], str]


def label_rows(session: DbSession, site: Site) -> Iterator[dict[str, Any]]:
    """Active labels on visible posts, oldest first."""
    for label, post in session.execute(
            select(Label, Post).join(Post, Post.id == Label.post_id)
            .where(Label.is_withdrawn.is_(False), *VISIBLE).order_by(Label.id)):
        yield {
            "label_id": label.id, "post": post.permalink,
            "post_url": site.post_url(post.permalink), "kind": label.kind.key,
            "name": label.kind.display_name, "severity": label.kind.severity,
            "span": mask_addresses(label.exact) if label.exact else "",
            "rationale": mask_addresses(label.rationale),
            "citations": ";".join(c.url for c in label.citations),
            "labelled_by": label.created_by.name,
            "labelled_at": label.created_at.isoformat() + "Z",
            "updated_at": label.updated_at.isoformat() + "Z",
            "revision": label.revision,
        }


def citation_rows(session: DbSession, site: Site) -> Iterator[dict[str, Any]]:
    """Confirmed citations on visible posts."""
    for item, post in session.execute(
            select(PostCitation, Post).join(Post, Post.id == PostCitation.post_id)
            .where(PostCitation.status == "confirmed", *VISIBLE)
            .order_by(PostCitation.id)):
        citation = item.citation
        yield {
            "post": post.permalink, "post_url": site.post_url(post.permalink),
            "kind": citation.kind, "identifier": citation.identifier,
            "url": citation.url, "title": citation.title,
            "container_title": citation.container_title, "issued": citation.issued,
            "note": mask_addresses(item.note), "in_quote": item.in_quote,
            "origin": item.origin,
        }


def claim_reviews(session: DbSession, site: Site) -> list[dict[str, Any]]:
    """schema.org ClaimReview for each active verdict label on a visible post."""
    reviews = []
    for label, post in session.execute(
            select(Label, Post).join(Post, Post.id == Label.post_id)
            .where(Label.is_withdrawn.is_(False), *VISIBLE).order_by(Label.id)):
        if label.kind.key in VERDICT_RATINGS:
            reviews.append(_claim_review(label, post, site))
    return reviews


def _claim_review(label: Label, post: Post, site: Site) -> dict[str, Any]:
    url = site.post_url(post.permalink)
    author = post.byline
    appearance: dict[str, Any] = {"@type": "DiscussionForumPosting", "url": url,
                  "headline": mask_addresses(post.subject or "")}
    if post.date:
        appearance["datePublished"] = post.date.date().isoformat()
    if author:
        appearance["author"] = {"@type": "Person", "name": mask_addresses(author)}
    return {
        "@context": "https://schema.org", "@type": "ClaimReview",
        "url": f"{url}#label-{label.id}",
        "claimReviewed": mask_addresses(label.exact or post.subject or ""),
        "itemReviewed": {"@type": "Claim", "appearance": appearance},
        "author": {"@type": "Organization", "name": site.name, "url": site.home},
        "datePublished": label.created_at.date().isoformat(),
        "reviewRating": {"@type": "Rating", "alternateName": label.kind.display_name,
                         "ratingValue": VERDICT_RATINGS[label.kind.key],
                         "bestRating": 5, "worstRating": 1},
        "reviewBody": mask_addresses(label.rationale),
        "citation": [c.url for c in label.citations],
    }
