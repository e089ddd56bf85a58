"""Administrators' read models."""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import Offer, Organisation, OutgoingMessage, Role, Round, User, YouthProfile


def overview() -> dict[str, int]:
    """Counts for the administrator's start page."""
    def count(statement) -> int:
        return db.session.scalar(statement) or 0

    return {
        "rounds": count(sa.select(sa.func.count(Round.id))),
        "organisations": count(sa.select(sa.func.count(Organisation.id))),
        "organisations_waiting": count(sa.select(sa.func.count(Organisation.id))
                                       .where(Organisation.approved_at.is_(None))),
        "offers": count(sa.select(sa.func.count(Offer.id))),
        "youths": count(sa.select(sa.func.count(YouthProfile.id))),
        "staff": count(sa.select(sa.func.count(User.id)).where(
            User.role.in_([Role.CASEWORKER, Role.ADMINISTRATOR]))),
    }


def recent_messages(limit: int = 100) -> list[OutgoingMessage]:
    return list(db.session.scalars(
        sa.select(OutgoingMessage).order_by(OutgoingMessage.id.desc()).limit(limit)))
