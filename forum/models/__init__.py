"""Typed SQLAlchemy models. No commits, no services, no search in here."""

from forum.models.accounts import LoginAttempt, User
from forum.models.archive import (
    Author,
    Group,
    GroupMonth,
    Post,
    PostGroup,
    PostSource,
    Thread,
    ThreadGroup,
)
from forum.models.audit import AuditEntry
from forum.models.evidence import (
    Citation,
    CitationLookup,
    ClaimProposal,
    Label,
    LabelCitation,
    LabelKind,
    LabelRevision,
    PostCitation,
    PostReference,
)
from forum.models.imports import ImportProblemRecord, ImportRun, NewsPull
from forum.models.moderation import ClaimHint, Flag, QueueMark
from forum.models.search import SearchOutbox
from forum.models.takedowns import ChangedPost, ContentChange, FieldOriginal, Tombstone

__all__ = [
    "AuditEntry",
    "Author",
    "ChangedPost",
    "Citation",
    "ClaimProposal",
    "CitationLookup",
    "ClaimHint",
    "ContentChange",
    "FieldOriginal",
    "Flag",
    "Group",
    "GroupMonth",
    "ImportProblemRecord",
    "ImportRun",
    "NewsPull",
    "Label",
    "LabelCitation",
    "LabelKind",
    "LabelRevision",
    "LoginAttempt",
    "Post",
    "PostCitation",
    "PostReference",
    "PostGroup",
    "QueueMark",
    "SearchOutbox",
    "PostSource",
    "Thread",
    "ThreadGroup",
    "Tombstone",
    "User",
]
