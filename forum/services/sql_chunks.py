"""Many rows at a time: a model's Core table, and long IN lists cut in chunks.

Bulk writes go through Core tables (an executemany of plain dicts costs a
fraction of building ORM objects), and an IN list is kept to a few hundred
values so no database meets a statement with more parameters than it takes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar, cast

from sqlalchemy import Table

from forum.extensions import Model

T = TypeVar("T")
CHUNK = 500


def table_of(model: type[Model]) -> Table:
    """The Core table a declarative model maps (typed as a FromClause)."""
    return cast(Table, model.__table__)


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """`values` in consecutive slices of at most `size`."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
