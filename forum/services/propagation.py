"""Same-claim propagation: a verdict meets its claim wherever it appears.

A claim recurs across an archive: three seed articles call magnesium a
natural calcium channel blocker, and old threads repeat the same sentences
for years.  When a moderator labels a claim, the search backend finds the
posts that share its words, the sentence matcher (`forum.claim_match`) scores
each post's best sentence, and every post that reaches the threshold
(FORUM_CLAIM_MATCH_THRESHOLD) becomes a proposal in the review queue: both
spans, the similarity and why, the original verdict.  Posts imported later
are checked against every labelled claim.  Nothing is labelled until a
moderator accepts, and a rejected proposal is never made again.

Claims quoted in a reply are not proposed: the reply repeats the claim to
answer it, and the label already sits on the post that made it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from whoosh.lang.porter import stem as porter_stem

from forum.claim_match import (
    DEFAULT_THRESHOLD,
    STOP_WORDS,
    Match,
    TermWeights,
    best_match,
    claim_terms,
)
from forum.errors import ForumError
from forum.extensions import DbSession
from forum.models import Citation, ClaimProposal, Label, Post, User
from forum.permissions import LABEL_WRITE, require
from forum.search import get_index
from forum.services.audit import record, utcnow
from forum.text.markup import post_plain_text, render_post
from forum.text.textquote import normalise, quote_in

logger = logging.getLogger(__name__)
# Posts the search backend hands the matcher for one claim.
CANDIDATES = 100
# Posts read to weigh words by how rare they are in this archive, and how long
# the weights serve before they are counted again (counting takes seconds).
WEIGHT_SAMPLE = 400
WEIGHTS_FOR = 3600.0
_weights: dict[str, tuple[float, TermWeights]] = {}
# Words of a claim asked of the search backend (the rarest first).
QUERY_WORDS = 12
# How far either side of a rare word the matcher reads, within its paragraph.
PARAGRAPH = 600
_WORD = re.compile(r"[^\W\d_]+")
_QUOTED_LINE = re.compile(r"^[ \t]*(?:[A-Za-z]{1,3}[ \t]?)?(?:>|\|>)")


class ProposalRejected(ForumError):
    """A proposal cannot be decided as asked; the message says why."""


@dataclass(frozen=True)
class Settings:
    threshold: float = DEFAULT_THRESHOLD
    candidates: int = CANDIDATES
    enabled: bool = True


def settings_from_config(config) -> Settings:
    """FORUM_CLAIM_MATCH_THRESHOLD (0-1) and FORUM_CLAIM_PROPAGATION (on/off)."""
    raw = config.get("FORUM_CLAIM_MATCH_THRESHOLD", DEFAULT_THRESHOLD)
    try:
        threshold = float(raw)
    except (TypeError, ValueError):
        raise ForumError(f"FORUM_CLAIM_MATCH_THRESHOLD must be a number, not {raw!r}") \
            from None
    if not 0 < threshold <= 1:
        raise ForumError("FORUM_CLAIM_MATCH_THRESHOLD must be above 0 and at most 1")
    enabled = str(config.get("FORUM_CLAIM_PROPAGATION", True)).lower() not in (
        "0", "false", "no", "off")
    return Settings(threshold, int(config.get("FORUM_CLAIM_MATCH_CANDIDATES",
                                              CANDIDATES)), enabled)


# -- finding ------------------------------------------------------------------------


def propose_for_label(session: DbSession, label: Label, settings: Settings,
                      index=None, weights: TermWeights | None = None
                      ) -> list[ClaimProposal]:
    """Proposals for every post the search finds that makes the label's claim.

    Called by whoever made the label (a moderator's form, the evidence file
    loader), after it is made: a failure here is logged and never costs the
    label, so it runs in its own savepoint.
    """
    if not _is_claim(label) or not settings.enabled or label.derived_from_id:
        return []
    try:
        with session.begin_nested():
            return _search_and_propose(session, label, settings,
                                       index or get_index(), weights)
    except Exception:  # noqa: BLE001 - proposals help; the label stands
        logger.exception("same-claim search failed for label %s", label.id)
        return []


def _search_and_propose(session, label, settings, index, weights):
    weights = weights or archive_weights(session)
    posts = likely_posts(session, label.exact, settings, index, weights,
                         leave_out=label.post_id)
    return _propose(session, label, posts, settings.threshold, weights)


def likely_posts(session: DbSession, claim: str, settings: Settings, index,
                 weights: TermWeights, leave_out: int | None = None) -> list[Post]:
    """The visible posts the search backend finds for the claim's rarest words,
    less those without two of its three rarest (which cannot reach the
    threshold), best ranked first."""
    words = _query_words(claim, weights)
    if not words:
        return []
    from forum.search import ast

    hits = index.search(ast.Or(tuple(ast.Term(w) for w in words)),
                        limit=settings.candidates, facets=False)
    posts = _open_posts(session, [i for i in hits.ids if i != leave_out])
    return _likely(claim, posts, weights)


def match_in_post(claim: str, post: Post, threshold: float, weights: TermWeights,
                  rare: Sequence[str] | None = None):
    """The claim's best match in the post's own words, with its selector on the
    rendered page; None below the threshold, in quoted lines, or unplaceable.

    Only the paragraphs holding the claim's rarest words are scored: scoring a
    long post's every sentence (and pair of them) costs a tenth of a second.
    """
    text = _text(post)
    rare = rare if rare is not None else _rarest_words(claim, weights)
    best = None
    for start, end in _paragraphs_with(text, rare):
        match = best_match(claim, text[start:end], threshold, weights)
        if match is not None and (best is None or match.score > best[0].score):
            best = (match, start)
    if best is None or _quoted(text, best[1] + best[0].start):
        return None
    quote = quote_in(str(render_post(post)), normalise(best[0].text))
    return None if quote is None else (best[0], quote)


def _paragraphs_with(text: str, rare: Sequence[str]) -> list[tuple[int, int]]:
    """The paragraphs (at most PARAGRAPH characters either side of the word)
    where one of the rare words occurs, merged where they touch."""
    lowered = text.casefold()
    spans: list[tuple[int, int]] = []
    for word in rare:
        at = lowered.find(word)
        while at >= 0:
            start = max(lowered.rfind("\n\n", 0, at) + 1, at - PARAGRAPH, 0)
            found = lowered.find("\n\n", at)
            end = min(len(text) if found < 0 else found, at + PARAGRAPH)
            spans.append((start, end))
            at = lowered.find(word, at + len(word))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def check_new_posts(session: DbSession, post_ids: Iterable[int], settings: Settings,
                    weights: TermWeights | None = None) -> int:
    """Match newly imported posts against every labelled claim; proposals made."""
    post_ids = list(post_ids)
    if not settings.enabled or not post_ids:
        return 0
    labels = [label for label in session.scalars(select(Label).where(
        Label.is_withdrawn.is_(False), Label.exact.is_not(None),
        Label.derived_from_id.is_(None))) if _is_claim(label)]
    if not labels:
        return 0
    weights = weights or archive_weights(session)
    posts = _open_posts(session, post_ids)
    folded = {post.id: _text(post).casefold() for post in posts}  # once, not per claim
    made = 0
    for label in labels:
        likely = _likely(label.exact, [p for p in posts if p.id != label.post_id],
                         weights, folded)
        made += len(_propose(session, label, likely, settings.threshold, weights))
    return made


def archive_weights(session: DbSession, sample: int = WEIGHT_SAMPLE) -> TermWeights:
    """How rare each word is here, from an even sample of the archive's posts
    (kept for an hour per database: counting takes a second or two)."""
    key = str(session.get_bind().url)
    kept = _weights.get(key)
    if kept and time.monotonic() - kept[0] < WEIGHTS_FOR:
        return kept[1]
    top = session.scalar(select(func.max(Post.id))) or 0
    step = max(1, top // sample)
    rows = session.execute(select(Post.body_text, Post.body_html).where(
        Post.is_ghost.is_(False), Post.id % step == 0).limit(sample))
    weights = TermWeights.from_texts(post_plain_text(t, h) for t, h in rows)
    _weights[key] = (time.monotonic(), weights)
    return weights


def forget_weights() -> None:
    """Count the archive's words again on next use (tests, after big imports)."""
    _weights.clear()


def _likely(claim: str, posts: Sequence[Post], weights: TermWeights,
            folded: Mapping[int, str] | None = None) -> list[Post]:
    """The posts holding two of the claim's three rarest words (their stems cut
    to five letters, so "blocker" finds "blocks"), found as plain substrings.

    The matcher weighs rare words most, so a post without them cannot reach
    the threshold, and a substring test costs next to nothing beside scoring
    (a post that writes both words only as abbreviations is missed).
    `folded` holds the posts' casefolded texts when the caller tries several
    claims on the same posts.
    """
    rare = _rarest_words(claim, weights)
    need = min(2, len(rare))
    likely = []
    for post in posts:
        text = folded[post.id] if folded is not None else _text(post).casefold()
        if sum(word in text for word in rare) >= need:
            likely.append(post)
    return likely


def _rarest_words(claim: str, weights: TermWeights, count: int = 3) -> list[str]:
    """Stems of the rarest words, at most five letters ("acting" -> "act")."""
    return [porter_stem(w)[:5] for w in _surface_words(claim, weights)[:count]]


def _surface_words(claim: str, weights: TermWeights) -> list[str]:
    """The claim's own content words as written (not the matcher's canonical
    forms: "blocker" stays "blocker"), rarest in this archive first."""
    words = {w.casefold() for w in _WORD.findall(claim)}
    words = [w for w in words if len(w) > 2 and w not in STOP_WORDS]
    words.sort(key=lambda w: (-_weight(w, weights), w))
    return words


def _weight(word: str, weights: TermWeights) -> float:
    stems = claim_terms(word).stems
    return weights(stems[0]) if stems else 0.0


def _propose(session: DbSession, label: Label, posts: Sequence[Post], threshold: float,
             weights: TermWeights) -> list[ClaimProposal]:
    known = set(session.scalars(select(ClaimProposal.post_id).where(
        ClaimProposal.source_label_id == label.id)))
    made = []
    for post in posts:
        if post.id in known:
            continue
        found = match_in_post(label.exact, post, threshold, weights)
        if found is None or _labelled(session, post, found[1].exact):
            continue
        match, quote = found
        proposal = ClaimProposal(
            source_label_id=label.id, post_id=post.id, exact=quote.exact,
            prefix=quote.prefix, suffix=quote.suffix, score=round(match.score, 3),
            explanation=_explained(match), status="proposed", reason="",
            created_at=utcnow())
        session.add(proposal)
        made.append(proposal)
    session.flush()
    return made


# Labels about a claim's standing that carry over to the same claim elsewhere;
# the others (personal experience, off topic...) are about one post.
CLAIM_KINDS = ("source_not_found", "needs_source", "misrepresents_source")


# A claim of fewer content words leans on its context ("all of these same
# changes are found also in magnesium deficiencies"): it is not looked for.
MIN_CLAIM_WORDS = 4


def _is_claim(label: Label) -> bool:
    return (bool(label.exact) and not label.is_withdrawn
            and (label.kind.is_verdict or label.kind.key in CLAIM_KINDS)
            and stands_alone(label.exact))


def stands_alone(claim: str) -> bool:
    """Whether the claim says enough by itself to be looked for elsewhere."""
    return len(set(claim_terms(claim).stems)) >= MIN_CLAIM_WORDS


def _query_words(claim: str, weights: TermWeights) -> list[str]:
    """The claim's content words, rarest first, as the search backend is asked."""
    return _surface_words(claim, weights)[:QUERY_WORDS]


def _open_posts(session: DbSession, ids: Sequence[int]) -> list[Post]:
    if not ids:
        return []
    found = {p.id: p for p in session.scalars(select(Post).where(
        Post.id.in_(ids), Post.is_ghost.is_(False), Post.is_hidden.is_(False)))}
    return [found[i] for i in ids if i in found]


def _text(post: Post) -> str:
    return post_plain_text(post.body_text, post.body_html)


def _quoted(text: str, offset: int) -> bool:
    line_start = text.rfind("\n", 0, offset) + 1
    return bool(_QUOTED_LINE.match(text, line_start))


def _labelled(session: DbSession, post: Post, exact: str) -> bool:
    return session.scalar(select(Label.id).where(
        Label.post_id == post.id, Label.exact == exact,
        Label.is_withdrawn.is_(False)).limit(1)) is not None


def _explained(match: Match) -> dict:
    return {"text": match.explanation, "shared": list(match.shared_terms),
            "phrases": list(match.shared_phrases), "claim_only": list(match.claim_only),
            "penalties": list(match.penalties), "coverage": round(match.coverage, 3)}


# -- deciding -----------------------------------------------------------------------


def accept_proposal(session: DbSession, actor: User, proposal: ClaimProposal, *,
                    kind_key: str | None = None, rationale: str | None = None,
                    exact: str | None = None,
                    citations: Sequence[Citation] | None = None) -> Label:
    """A new label on the matched span (or the moderator's edit of it), with the
    original's verdict, rationale and citations unless edited; linked to it."""
    from forum.services.evidence import label_post

    require(actor, LABEL_WRITE)
    _still_open(proposal)
    source = proposal.source_label
    post = session.get(Post, proposal.post_id)
    edited = any(v is not None for v in (kind_key, rationale, exact, citations))
    label = label_post(
        session, actor, post, kind_key or source.kind.key,
        rationale if rationale is not None else source.rationale,
        exact=exact if exact is not None else proposal.exact,
        prefix="" if exact is not None else proposal.prefix,
        suffix="" if exact is not None else proposal.suffix,
        citations=list(citations if citations is not None else source.citations),
        why=f"same claim as label {source.id}" + (", edited" if edited else ""))
    label.derived_from_id = source.id
    _decide(session, actor, proposal, "accepted", "edited" if edited else "")
    proposal.label_id = label.id
    session.flush()
    return label


def reject_proposal(session: DbSession, actor: User, proposal: ClaimProposal,
                    reason: str) -> None:
    require(actor, LABEL_WRITE)
    _still_open(proposal)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ProposalRejected("Say why this is not the same claim.")
    _decide(session, actor, proposal, "rejected", reason[:2000])


def _still_open(proposal: ClaimProposal) -> None:
    if proposal.status != "proposed":
        raise ProposalRejected(f"This proposal was {proposal.status} already.")


def _decide(session, actor, proposal, status: str, reason: str) -> None:
    proposal.status, proposal.reason = status, reason
    proposal.decided_by_id, proposal.decided_at = actor.id, utcnow()
    record(session, actor, {"accepted": "proposal.accept",
                            "rejected": "proposal.reject"}[status],
           target_type="claim_proposal", target_id=proposal.id,
           post_id=proposal.post_id, reason=reason,
           after={"source_label": proposal.source_label_id, "score": proposal.score,
                  "exact": proposal.exact})


# -- reading ------------------------------------------------------------------------


def proposals_on_posts(session: DbSession, post_ids: Iterable[int]
                       ) -> dict[int, list[ClaimProposal]]:
    """Open proposals per post, best first, for the review queue."""
    found: dict[int, list[ClaimProposal]] = {}
    # The queue shows each proposal's source label, its kind and how many
    # citations it has: loaded with the proposals, not one query per item.
    source = selectinload(ClaimProposal.source_label)
    for proposal in session.scalars(select(ClaimProposal).options(
            source.selectinload(Label.citations))
            .where(ClaimProposal.post_id.in_(list(post_ids)),
                   ClaimProposal.status == "proposed")
            .order_by(ClaimProposal.score.desc())):
        found.setdefault(proposal.post_id, []).append(proposal)
    return found


def same_claim_counts(session: DbSession, labels: Sequence[Label]) -> dict[int, int]:
    """For each label, the other visible posts found making its claim and not
    rejected by a moderator (a derived label counts its original's family)."""
    roots = {label.id: label.derived_from_id or label.id for label in labels}
    if not roots:
        return {}
    rows = session.execute(
        select(ClaimProposal.source_label_id, ClaimProposal.post_id)
        .join(Post, Post.id == ClaimProposal.post_id)
        .where(ClaimProposal.source_label_id.in_(set(roots.values())),
               ClaimProposal.status != "rejected", Post.is_hidden.is_(False)))
    family: dict[int, set[int]] = {}
    for root, post_id in rows:
        family.setdefault(root, set()).add(post_id)
    originals = dict(session.execute(select(Label.id, Label.post_id).where(
        Label.id.in_(set(roots.values())))).all())
    counts = {}
    for label in labels:
        root = roots[label.id]
        posts = family.get(root, set()) | {originals.get(root)}
        counts[label.id] = len(posts - {label.post_id, None})
    return counts
