"""Confidential social-services data: priority groups and apart groups.

Never shown to providers, youths or guardians; every read and change is audited
(``youth_app.audit``).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .youth import YouthProfile


class PriorityGroup(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The label used in the optimiser's ``priority_tiers``, e.g. ``targeted``.
    code: Mapped[str] = mapped_column(sa.String(50), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: Derived from history ("first time", "got nothing last year") rather than set by hand.
    automatic: Mapped[bool] = mapped_column(default=False)

    memberships: Mapped[list["PriorityMembership"]] = relationship(back_populates="group")


class PriorityMembership(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("priority_group.id", ondelete="CASCADE"))
    youth_id: Mapped[int] = mapped_column(
        sa.ForeignKey("youth_profile.id", ondelete="CASCADE"), index=True)
    #: Why, for social services' own file; never leaves social services.
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    set_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_on: Mapped[Optional[date]]

    group: Mapped[PriorityGroup] = relationship(back_populates="memberships")
    youth: Mapped["YouthProfile"] = relationship()

    __table_args__ = (sa.UniqueConstraint("group_id", "youth_id"),)


class ApartGroup(db.Model):
    """Youths who must never be placed on the same offer; no reason is recorded."""

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"))
    created_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    members: Mapped[list["ApartMember"]] = relationship(
        back_populates="group", cascade="all, delete-orphan")


class ApartMember(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("apart_group.id", ondelete="CASCADE"))
    youth_id: Mapped[int] = mapped_column(sa.ForeignKey("youth_profile.id", ondelete="CASCADE"))

    group: Mapped[ApartGroup] = relationship(back_populates="members")

    __table_args__ = (sa.UniqueConstraint("group_id", "youth_id"),)
