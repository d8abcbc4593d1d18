"""What readers and moderators see of the evidence on posts.

Reading only: a post's labels with their highlighted spans, its confirmed
citations, the suggestions waiting for a moderator, and the full history.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape

from forum.extensions import DbSession
from forum.models import Label, LabelRevision, Post, PostCitation
from forum.services.citations import citations_on_posts
from forum.services.claim_proposals import same_claim_counts
from forum.services.evidence import label_history, labels_on_posts
from forum.text.markup import render_post
from forum.text.textquote import TextQuote, mark_quote


@dataclass
class PostEvidence:
    body: Markup
    labels: list[Label] = field(default_factory=list)
    citations: list[PostCitation] = field(default_factory=list)
    suggestions: list[PostCitation] = field(default_factory=list)
    history: list[LabelRevision] = field(default_factory=list)
    # label id -> other posts found making the same claim (not rejected)
    same_claim: dict[int, int] = field(default_factory=dict)


def post_evidence(session: DbSession, post: Post, *,
                  with_suggestions: bool = False) -> PostEvidence:
    """A post's body with labelled spans marked, and its evidence."""
    labels = labels_on_posts(session, [post.id]).get(post.id, [])
    statuses = ("confirmed", "suggested") if with_suggestions else ("confirmed",)
    rows = citations_on_posts(session, [post.id], statuses).get(post.id, [])
    return PostEvidence(
        body=marked_body(post, labels), labels=labels,
        citations=[r for r in rows if r.status == "confirmed"],
        suggestions=[r for r in rows if r.status == "suggested"],
        history=label_history(session, post.id),
        same_claim=same_claim_counts(session, labels),
    )


def marked_body(post: Post, labels: list[Label]) -> Markup:
    """The rendered body with each labelled span wrapped in <mark>."""
    html = str(render_post(post, heading=2))  # the post page's title is its <h1>
    for label in labels:
        if label.exact:
            html = str(mark_quote(
                html, TextQuote(label.exact, label.prefix, label.suffix),
                class_=f"claim claim-{label.kind.severity}",
                data_label=str(label.id), title=label.kind.display_name))
            html = _verdict_after(html, label)
    return Markup(html)


def _verdict_after(html: str, label: Label) -> str:
    """A link naming the label right after its span, to the card that explains it.

    A reader sees the verdict where the claim is, on a phone too (a mark's
    title shows only on hover), and follows it to the rationale and papers.
    """
    opening = html.rfind(f'data-label="{label.id}"')
    if opening < 0:
        return html
    closing = html.find("</mark>", opening) + len("</mark>")
    link = (f'<a class="claim-verdict sev-{escape(label.kind.severity)}" '
            f'href="#label-{label.id}">{escape(label.kind.display_name)}</a>')
    return html[:closing] + link + html[closing:]


def markers(session: DbSession, post_ids: list[int]) -> dict[int, list[Label]]:
    """Active labels per post, for the small markers on thread pages."""
    return labels_on_posts(session, post_ids)
