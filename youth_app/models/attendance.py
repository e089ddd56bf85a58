"""Attendance per day (jobs) or per occasion (activities), and hours for payroll."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .offer import Offer
    from .youth import YouthProfile


class Attendance(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id", ondelete="CASCADE"),
                                          index=True)
    youth_id: Mapped[int] = mapped_column(
        sa.ForeignKey("youth_profile.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    present: Mapped[bool] = mapped_column(default=True)
    #: Hours worked (jobs); empty for activities.
    hours: Mapped[Optional[Decimal]] = mapped_column(sa.Numeric(4, 2))
    recorded_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The administrator approved the hours for payroll.
    approved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    offer: Mapped["Offer"] = relationship()
    youth: Mapped["YouthProfile"] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("offer_id", "youth_id", "day"),
        sa.CheckConstraint("hours IS NULL OR (hours >= 0 AND hours <= 12)",
                           name="hours_in_a_day"),
    )
