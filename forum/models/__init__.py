"""Typed SQLAlchemy models. No commits, no services, no search in here."""

from forum.models.archive import (
    Author,
    Group,
    Post,
    PostGroup,
    PostSource,
    Thread,
    ThreadGroup,
)
from forum.models.imports import ImportProblemRecord, ImportRun

__all__ = [
    "Author",
    "Group",
    "ImportProblemRecord",
    "ImportRun",
    "Post",
    "PostGroup",
    "PostSource",
    "Thread",
    "ThreadGroup",
]
