"""Friend codes: youths who want to be placed together in a round.

A group is the youths of one round who share one random code (``code``); there is no
row for the group itself. A youth is in at most one group per round, a group has at
most ``FRIEND_GROUP_MAX`` youths (the optimiser's friend groups: ``matching``'s
``FRIEND_GROUP_SIZE``). A wish, never a rule: the optimiser places a group together only
where every rule allows it, and only when the round's policy turns friends on.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .youth import YouthProfile

FRIEND_GROUP_MAX = 3


class FriendMember(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"))
    youth_id: Mapped[int] = mapped_column(
        sa.ForeignKey("youth_profile.id", ondelete="CASCADE"), index=True)
    #: The group's code, shared by its members: random, never derived from an id.
    code: Mapped[str] = mapped_column(sa.String(16))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    youth: Mapped["YouthProfile"] = relationship()

    __table_args__ = (sa.UniqueConstraint("round_id", "youth_id"),
                      sa.Index("ix_friend_member_round_id_code", "round_id", "code"))
