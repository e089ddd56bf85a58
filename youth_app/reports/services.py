"""The season's figures by priority group, district, legal gender and age.

Counts under ``SMALL`` are never shown (page, chart or export): they could point at
a person. A share is shown only when both its counts are shown.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from ..allocation import services as allocation
from ..allocation.problem import youth_ids_by_key
from ..extensions import db
from ..models import AuditEvent, Placement, PlacementState, Round, User
from ..rounds.review import DIMENSIONS, group_value

SMALL = 5
PAGE_SIZE = 100


def shown(count: int) -> int | None:
    """``None`` stands for "fewer than 5"."""
    return count if count >= SMALL else None


def shown_column(counts: list[int]) -> list[int | None]:
    """A column of counts that add up to a known total, with small ones hidden so that
    none can be worked out by subtraction either: where only one count is hidden, the
    next smallest is hidden too (secondary suppression)."""
    column = [shown(c) for c in counts]
    if column.count(None) == 1 and len(column) > 1:
        smallest = min((c, i) for i, c in enumerate(column) if c is not None)[1]
        column[smallest] = None
    return column


def shown_rows(rows: list[tuple[str, int, int]]) -> list[tuple[str, int | None, int | None]]:
    """(group, applied, placed) rows with each column hidden by ``shown_column``."""
    applied = shown_column([row[1] for row in rows])
    placed = shown_column([row[2] for row in rows])
    return [(row[0], a, p) for row, a, p in zip(rows, applied, placed)]


@dataclass(frozen=True)
class Row:
    group: str
    applied: int | None
    offered: int | None
    accepted: int | None

    @property
    def accepted_share(self) -> float | None:
        if self.applied is None or self.accepted is None:
            return None
        return round(100 * self.accepted / self.applied, 1)


def season(round_: Round) -> dict[str, list[Row]] | None:
    """Rows per dimension, from the latest published run; ``None`` before publishing."""
    runs = allocation.published_runs(round_)
    if not runs:
        return None
    problem = runs[0].problem
    tiers = problem["policy"].get("priority_tiers", [])
    states = _states(round_)
    youth_ids = youth_ids_by_key(round_.id)
    report = {}
    for dimension in DIMENSIONS:
        applied: Counter[str] = Counter()
        offered: Counter[str] = Counter()
        accepted: Counter[str] = Counter()
        for youth in problem["youths"]:
            value = group_value(youth, dimension, tiers)
            youth_states = states.get(youth_ids.get(youth["id"]), set())  # removed: none
            applied[value] += 1
            offered[value] += bool(youth_states)
            accepted[value] += PlacementState.ACCEPTED in youth_states
        values = sorted(applied, key=_order(dimension, tiers))
        columns = [shown_column([counts[v] for v in values])
                   for counts in (applied, offered, accepted)]
        report[dimension] = [Row(v, *cells) for v, *cells in zip(values, *columns)]
    return report


def _order(dimension: str, tiers: list[str]):
    if dimension == "tier":
        return lambda v: tiers.index(v) if v in tiers else len(tiers)
    if dimension == "age":
        return lambda v: int(v) if v.isascii() and v.isdigit() else 999
    return lambda v: v


def _states(round_: Round) -> dict[int, set[PlacementState]]:
    states: dict[int, set[PlacementState]] = {}
    for youth_id, state in db.session.execute(sa.select(Placement.youth_id, Placement.state)
                                              .where(Placement.round_id == round_.id,
                                                     Placement.state != PlacementState.PROPOSED)):
        states.setdefault(youth_id, set()).add(state)
    return states


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None


def audit_events(filters: AuditFilter, page: int = 1) -> tuple[list[AuditEvent], bool]:
    """Newest first, ``PAGE_SIZE`` per page; the flag says whether there are more."""
    statement = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    if filters.action:
        statement = statement.where(AuditEvent.action.like(f"{filters.action.strip()}%"))
    if filters.actor:
        actor_ids = sa.select(User.id).where(User.email.like(f"%{filters.actor.strip().lower()}%"))
        statement = statement.where(AuditEvent.actor_id.in_(actor_ids))
    if filters.since:
        statement = statement.where(AuditEvent.at >= _start(filters.since))
    if filters.until:
        statement = statement.where(AuditEvent.at < _start(filters.until, next_day=True))
    rows = db.session.scalars(statement.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return list(rows[:PAGE_SIZE]), len(rows) > PAGE_SIZE


def _start(day: date, next_day: bool = False) -> datetime:
    """Midnight (UTC) at the start of ``day``, or of the day after it."""
    return datetime.combine(day + timedelta(days=1) if next_day else day, time.min,
                            tzinfo=timezone.utc)


#: Audit lines about social services' confidential data: administrators see that they
#: happened, and when, and by whom, never what they were about (which youth, which group).
CONFIDENTIAL_ACTIONS = ("priority.", "apart.")


def shown_details(event: AuditEvent) -> dict | None:
    """The details an administrator may read; ``None`` where they are withheld."""
    if event.action.startswith(CONFIDENTIAL_ACTIONS):
        return None
    return event.details


def actors(events: list[AuditEvent]) -> dict[int, str]:
    ids = {e.actor_id for e in events if e.actor_id}
    return dict(db.session.execute(sa.select(User.id, User.email).where(User.id.in_(ids))).all())
