"""A youth's ranked choice of an offer in a round."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .offer import Offer
    from .round import Round
    from .youth import YouthProfile


class Application(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"))
    youth_id: Mapped[int] = mapped_column(
        sa.ForeignKey("youth_profile.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id", ondelete="CASCADE"),
                                          index=True)
    #: 1 is the first choice.
    rank: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    round: Mapped["Round"] = relationship()
    youth: Mapped["YouthProfile"] = relationship()
    offer: Mapped["Offer"] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("youth_id", "offer_id"),
        sa.UniqueConstraint("round_id", "youth_id", "rank"),
        sa.CheckConstraint("rank >= 1", name="rank_positive"),
    )
