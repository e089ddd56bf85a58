"""One page of a long list: every list that grows with the city is shown a page at a time.

A service returns a ``Page`` (``of_query`` for a statement, ``of_list`` for a list it has
already narrowed in Python); a view reads the page number with ``page_number``; the
template draws the navigation with ``pager`` from ``_macros/pager.html``, whose links
keep the query string (filters, a search) and change only the page's own parameter.

A page number that is not a whole number reads as page 1; one past the end shows the
last page, so an old bookmark or a shortened list still answers with rows, never a 500.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Generic, Sequence, TypeVar

import sqlalchemy as sa
from flask import request, url_for

from .extensions import db
from .untrusted import whole_number

T = TypeVar("T")

#: Rows on one page of a staff table (members, consents, messages, participants...).
PAGE_SIZE = 50
#: The last page anyone can ask for: an offset the database can still use.
MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    #: 1 for the first page; always within ``1..count``
    number: int
    size: int
    #: rows in the whole list, on every page; None for a list not counted (``counted``)
    total: int | None
    #: for a list not counted: whether a row follows this page
    more: bool = False

    @property
    def count(self) -> int | None:
        """Pages in the list (an empty list has one, empty); None when not counted."""
        return None if self.total is None else max(1, math.ceil(self.total / self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.more if self.count is None else self.number < self.count

    @property
    def several(self) -> bool:
        """More than one page: the navigation is drawn."""
        return self.has_previous or self.has_next

    @property
    def first(self) -> int:
        """The position (from 1) of this page's first row, for "rows 51-100 of 230"."""
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.total or self.items)


def _clamped(number: int, total: int, size: int) -> int:
    return min(max(1, number), max(1, math.ceil(total / size)))


def of_query(statement: sa.Select, number: int, size: int = PAGE_SIZE, *,
             rows: bool = False, counted: bool = True) -> Page:
    """Page ``number`` of ``statement`` (which must be ordered, with a unique last key,
    so pages neither repeat nor skip a row), and the count of the whole list.
    ``rows=True`` pages tuples (a statement selecting several things). ``counted=False``
    skips the count, for a list too long to count on every page (the audit log): the
    page knows only whether another follows (a page past the end counts once, to show
    the last)."""
    if not counted:
        found = _window(statement, number, size + 1, size, rows)
        if found or number == 1:
            return Page(found[:size], number, size, None, more=len(found) > size)
        # Past the end (an old link, a shorter list): counted this once, the last page.
        number = _clamped(number, _count(statement), size)
        return Page(_window(statement, number, size, size, rows), number, size, None)
    total = _count(statement)
    number = _clamped(number, total, size)
    return Page(_window(statement, number, size, size, rows), number, size, total)


def _count(statement: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        statement.order_by(None).subquery())) or 0


def _window(statement: sa.Select, number: int, limit: int, size: int, rows: bool) -> list:
    window = statement.offset((number - 1) * size).limit(limit)
    return list(db.session.execute(window).all() if rows else db.session.scalars(window))


def of_list(items: Sequence[T], number: int, size: int = PAGE_SIZE) -> Page[T]:
    """Page ``number`` of a list already in memory."""
    number = _clamped(number, len(items), size)
    return Page(list(items[(number - 1) * size:number * size]), number, size, len(items))


def page_number(name: str = "page") -> int:
    """The page the request asks for in ``?name=``; 1 when absent or not a whole number."""
    return request.args.get(name, 1, type=whole_number(1, MAX_PAGE))


def page_link(number: int, name: str = "page", anchor: str | None = None) -> str:
    """This page's address with page ``number`` of the list read from ``?name=``; every
    other parameter (filters, a search, another list's page) stays as it is."""
    # A query parameter never overrides the path's own values, nor reaches url_for's
    # options (``_external``...): ``?run_id=1&_scheme=x`` must not break the page.
    args: dict[str, Any] = {key: values for key, values in request.args.lists()
                            if key != name and key != "endpoint" and not key.startswith("_")}
    if number > 1:
        args[name] = [str(number)]
    args.update(request.view_args or {})
    return url_for(request.endpoint or "main.index", **args, _anchor=anchor)


def init_app(app) -> None:
    app.add_template_global(page_link)
