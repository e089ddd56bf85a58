"""The audit log as administrators read it: filtered, paged, confidential details withheld.

(The season's figures are counted in ``allocation.figures``.)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from ..extensions import db
from ..models import AuditEvent, User

PAGE_SIZE = 100


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
