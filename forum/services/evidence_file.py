"""Labels and citations from an evidence file, put on posts as a moderator would.

A site's first moderation (the demo's, or one carried over from another
archive) is written down as JSON: for each claim, the group, the exact words,
the verdict, the rationale and the works behind it; for each reference the
post gives in prose, the work it names.  Loading goes through the same
services as a moderator at the keyboard (so every label is checked, audited
and kept in its history) and is idempotent: a label already there is left
alone, one whose rationale, kind or citations changed in the file is revised.

A claim is looked for in its group's posts, and put on the earliest post that
holds it: later posts that hold the same words usually quote it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import select

from forum.errors import ForumError
from forum.extensions import DbSession
from forum.models import (
    Citation,
    Group,
    Label,
    Post,
    PostCitation,
    PostGroup,
    PostReference,
    User,
)
from forum.services.audit import utcnow
from forum.services.citations import attach_citation, citations_from_text
from forum.services.evidence import label_post, revise_label
from forum.services.propagation import Settings, propose_for_label
from forum.text.markup import render_post
from forum.text.textquote import normalise, visible_text


@dataclass
class EvidenceReport:
    labels_added: int = 0
    labels_revised: int = 0
    labels_unchanged: int = 0
    citations_attached: int = 0
    citations_unchanged: int = 0
    proposals: int = 0
    problems: list[str] = field(default_factory=list)
    new_labels: list[Label] = field(default_factory=list)


def load_evidence(session: DbSession, actor: User, data: object,
                  claim_settings: Settings | None = None) -> EvidenceReport:
    """Apply the file's labels and references; a bad entry is reported, not fatal.

    With `claim_settings`, each new label then looks for its claim in other
    posts (proposals for the review queue), as a moderator's label does.
    """
    report = EvidenceReport()
    if not isinstance(data, dict):
        report.problems.append("the file holds no evidence object")
        return report
    finder = _PostFinder(session)
    for entry in _entries(data, "labels", report):
        _apply(session, report, entry,
               partial(_label, session, actor, finder, entry, report))
    if claim_settings is not None:
        for label in report.new_labels:
            report.proposals += len(propose_for_label(session, label, claim_settings))
    for entry in _entries(data, "references", report):
        _apply(session, report, entry,
               partial(_reference, session, actor, finder, entry, report))
    return report


def _entries(data: dict[str, Any], name: str, report: EvidenceReport
             ) -> list[Any]:
    entries: object = data.get(name) or []
    if not isinstance(entries, list):
        report.problems.append(f"'{name}' is not a list")
        return []
    return entries


def _apply(session: DbSession, report: EvidenceReport, entry: object,
           action: Callable[[], None]) -> None:
    """One entry in a savepoint: a rejected entry leaves nothing behind."""
    name = entry.get("id", "?") if isinstance(entry, dict) else "?"
    try:
        if not isinstance(entry, dict):
            raise ForumError("not an object")
        with session.begin_nested():
            action()
    except (ForumError, KeyError, TypeError, ValueError) as error:
        report.problems.append(f"{name}: {error}")


def _label(session: DbSession, actor: User, finder: _PostFinder,
           entry: dict[str, Any], report: EvidenceReport) -> None:
    post, exact = finder.holding(entry["group"], entry["exact"])
    citations = citations_from_text(session, "\n".join(entry.get("citations") or []))
    rationale = " ".join(str(entry["rationale"]).split())
    existing = _label_on(session, post, exact)
    if existing is None:
        report.new_labels.append(label_post(
            session, actor, post, entry["kind"], rationale, exact=exact,
            citations=citations, why=entry.get("why", "evidence file")))
        report.labels_added += 1
    elif (existing.kind.key, existing.rationale, _ids(existing.citations)) != (
            entry["kind"], rationale, _ids(citations)):
        revise_label(session, actor, existing, kind_key=entry["kind"],
                     rationale=rationale, citations=citations,
                     why="evidence file changed", exact=existing.exact,
                     prefix=existing.prefix, suffix=existing.suffix)
        report.labels_revised += 1
    else:
        report.labels_unchanged += 1


def _ids(citations: Iterable[Citation]) -> set[int]:
    return {citation.id for citation in citations}


def _reference(session: DbSession, actor: User, finder: _PostFinder,
               entry: dict[str, Any], report: EvidenceReport) -> None:
    post, _exact = finder.holding(entry["group"], entry["exact"])
    (citation,) = citations_from_text(session, entry["citation"])
    attached = session.scalar(select(PostCitation).where(
        PostCitation.post_id == post.id, PostCitation.citation_id == citation.id,
        PostCitation.status == "confirmed"))
    if attached is not None:
        report.citations_unchanged += 1
        return
    attach_citation(session, actor, post, entry["citation"],
                    note=entry.get("note", ""))
    _resolve_written_reference(session, actor, post, entry["exact"], citation)
    report.citations_attached += 1


def _resolve_written_reference(session: DbSession, actor: User, post: Post,
                               words: str, citation: Citation) -> None:
    """The scan's unresolved reference at these words, now confirmed."""
    words = normalise(words)
    for row in session.scalars(select(PostReference).where(
            PostReference.post_id == post.id,
            PostReference.status == "unresolved")):
        if words in normalise(row.text) or normalise(row.text) in words:
            row.status, row.citation_id = "confirmed", citation.id
            row.decided_by_id, row.decided_at = actor.id, utcnow()


def _label_on(session: DbSession, post: Post, exact: str) -> Label | None:
    return session.scalar(select(Label).where(
        Label.post_id == post.id, Label.exact == exact,
        Label.is_withdrawn.is_(False)))


class _PostFinder:
    """The earliest post of a group whose text holds the words (cached per group)."""

    def __init__(self, session: DbSession) -> None:
        self.session = session
        self.texts: dict[str, list[tuple[Post, str]]] = {}

    def holding(self, group: str, words: str) -> tuple[Post, str]:
        exact = normalise(str(words))
        if not exact:
            raise ForumError("no words to look for")
        for post, text in self._posts(group):
            if exact in text:
                return post, exact
        raise ForumError(f"no post in {group} holds “{exact[:80]}”")

    def _posts(self, group: str) -> list[tuple[Post, str]]:
        if group not in self.texts:
            posts = self.session.scalars(
                select(Post).join(PostGroup, PostGroup.post_id == Post.id)
                .join(Group, PostGroup.group_id == Group.id)
                .where(Group.name == group, Post.is_ghost.is_(False),
                       Post.is_hidden.is_(False))
                .order_by(Post.date, Post.id))
            self.texts[group] = [(p, visible_text(str(render_post(p)))) for p in posts]
        return self.texts[group]
