"""Page-number pagination over a SQLAlchemy select (two queries, whatever the size)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select

from labapp.extensions import db


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def paginate(query: Select, page: int, per_page: int = 25) -> Page:
    """Items of page `page` (1-based; out-of-range pages are clamped)."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    last = max(1, -(-(total or 0) // per_page))
    page = min(max(page, 1), last)
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total or 0)
