"""Pagination for read queries: one count query and one page query."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from math import ceil
from typing import Any

from sqlalchemy import Select, func, select

from forum.errors import NotFound
from forum.extensions import db


@dataclass(slots=True)
class Page:
    """One page of a listing, with what a pager needs."""

    items: list[Any]
    page: int
    per_page: int
    total: int
    page_count: int | None = None  # when pages are not all per_page long

    @property
    def pages(self) -> int:
        if self.page_count is not None:
            return self.page_count
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(self, around: int = 2) -> Iterator[int | None]:
        """Page numbers for a pager: both ends, a window round this page, None gaps."""
        shown = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        previous = 0
        for number in sorted(n for n in shown if 1 <= n <= self.pages):
            if number > previous + 1:
                yield None
            yield number
            previous = number


def paginate(stmt: Select[Any], page: int, per_page: int, *, scalars: bool = True,
             counting: Select[Any] | None = None) -> Page:
    """Run `stmt` for one page; a page past the end is NotFound, page 1 never is.

    `counting`, when given, has as many rows as `stmt` at less cost (without
    joins that only fetch what a page shows); the total is counted from it.
    """
    if page < 1 or per_page < 1:
        raise ValueError("page and per_page start at 1")
    counted = (stmt if counting is None else counting).order_by(None).subquery()
    total = db.session.scalar(select(func.count()).select_from(counted)) or 0
    check_page(page, per_page, total)
    result = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    items = list(result.unique().scalars() if scalars else result.unique().all())
    return Page(items, page, per_page, total)


def check_page(page: int, per_page: int, total: int, of: str = "") -> None:
    """NotFound for a page past the end of `total` items; page 1 never is."""
    if page > 1 and (page - 1) * per_page >= total:
        raise NotFound(f"There is no page {page}{' of ' + of if of else ''}.")


def page_of(rows: list[Any], page: int, per_page: int, of: str = "") -> Page:
    """One page of a list already in memory, checked as `paginate` checks."""
    check_page(page, per_page, len(rows), of)
    return Page(rows[(page - 1) * per_page:page * per_page], page, per_page,
                len(rows))
