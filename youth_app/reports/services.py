"""The audit log as administrators read it: filtered, paged, confidential details withheld.

(The season's figures are counted in ``allocation.figures``.)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import facts, paging

from ..extensions import db
from .. import models
from ..models import AuditEvent, User

PAGE_SIZE = 100


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None


def audit_events(filters: AuditFilter, page: int = 1) -> paging.Page[AuditEvent]:
    """Newest first, ``PAGE_SIZE`` per page. Not counted: the log grows by rows for every
    youth, and counting it on every page would cost more than the page."""
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
    return paging.of_query(statement, page, PAGE_SIZE, counted=False)


def _start(day: date, next_day: bool = False) -> datetime:
    """Midnight in the municipality at the start of ``day``, or of the day after it: the
    days staff type are the days the log shows (``facts``)."""
    return facts.local_to_utc(datetime.combine(day + timedelta(days=1) if next_day else day,
                                               time.min))


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


def object_names(events: list[AuditEvent]) -> dict[int, str]:
    """Each event's object as people name it (the round's name, the offer's title, the
    young person's name), by event id; never "User 17". Withheld where the details are."""
    names: dict[int, str] = {}
    for event in events:
        if not event.object_type or shown_details(event) is None:
            continue
        model = getattr(models, event.object_type, None)
        obj = db.session.get(model, event.object_id) if model and event.object_id else None
        names[event.id] = _name(obj) if obj is not None else _("Removed since")
    return names


def _name(obj) -> str:
    if isinstance(obj, models.AllocationRun):
        return _("Run %(number)d in %(round)s", number=obj.id, round=obj.round.name)
    if isinstance(obj, models.Placement):
        return _("%(name)s: %(offer)s", name=obj.youth.full_name, offer=obj.offer.title)
    if isinstance(obj, models.YouthProfile):
        return obj.full_name
    if isinstance(obj, models.User):
        return obj.youth_profile.full_name if obj.youth_profile else obj.email
    if isinstance(obj, models.SignUp):
        return _("%(name)s: %(offer)s", name=obj.youth.full_name, offer=obj.offer.title)
    for attribute in ("title", "name"):
        if isinstance(getattr(obj, attribute, None), str):
            return getattr(obj, attribute)
    return _("Record")
