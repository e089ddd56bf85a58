"""What providers post: summer jobs and leisure activities."""
from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, enum_type, utcnow

if TYPE_CHECKING:
    from .organisation import Organisation
    from .round import Round
    from .youth import District, YouthProfile


class OfferKind(enum.Enum):
    JOB = "job"
    ACTIVITY = "activity"


class AllocationMode(enum.Enum):
    #: Places are allocated by the optimiser when the round's window closes.
    ROUND = "round"
    #: First come, first served while places last, then a waiting list.
    OPEN = "open"


class OfferStatus(enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    CLOSED = "closed"


#: A provider may change an offer until it is published (``provider.services.save_offer``).
EDITABLE_STATUSES = frozenset({OfferStatus.DRAFT, OfferStatus.SUBMITTED})


class Offer(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    round_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("round.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[OfferKind] = mapped_column(enum_type(OfferKind))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    district_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("district.id"))
    #: ISO weeks, e.g. ``["2026-W25", "2026-W26"]``.
    weeks: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    capacity: Mapped[int]
    #: An activity allocated in a round runs with at least this many youths or not at all
    #: (the optimiser's ``min_participants``); None for no minimum.
    min_participants: Mapped[Optional[int]]
    min_age: Mapped[int] = mapped_column(default=13)
    max_age: Mapped[int] = mapped_column(default=19)
    allocation_mode: Mapped[AllocationMode] = mapped_column(
        enum_type(AllocationMode), default=AllocationMode.ROUND)
    status: Mapped[OfferStatus] = mapped_column(enum_type(OfferStatus), default=OfferStatus.DRAFT)
    #: Why an administrator returned the offer for changes (shown to the provider);
    #: cleared when it is published.
    return_reason: Mapped[Optional[str]] = mapped_column(sa.Text)
    interests: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    requirements: Mapped[str] = mapped_column(sa.Text, default="")
    supervisor_name: Mapped[str] = mapped_column(sa.String(200), default="")
    supervisor_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    meeting_point: Mapped[str] = mapped_column(sa.String(200), default="")
    what_to_bring: Mapped[str] = mapped_column(sa.Text, default="")
    accessibility: Mapped[str] = mapped_column(sa.Text, default="")
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: A job's working hours per day and pay per hour in kronor (0: unpaid); None: not
    #: stated yet. The guardian reads both on the consent page.
    hours_per_day: Mapped[Optional[int]] = mapped_column()
    hourly_pay: Mapped[Optional[int]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organisation: Mapped["Organisation"] = relationship(back_populates="offers")
    round: Mapped[Optional["Round"]] = relationship(back_populates="offers")
    district: Mapped[Optional["District"]] = relationship()

    __table_args__ = (
        sa.CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        sa.CheckConstraint("min_age <= max_age", name="ages_in_order"),
    )

    # Hybrids: ``offer.is_job`` on a row, ``Offer.is_job`` in a query's WHERE, so a page
    # and a service's query ask one question.
    @hybrid_property
    def is_job(self) -> bool:
        """A summer job (a job contract, hours for payroll), not a leisure activity."""
        return self.kind == OfferKind.JOB

    @hybrid_property
    def first_come(self) -> bool:
        """Places go first come, first served (open sign-up), not shared out in a round."""
        return self.allocation_mode == AllocationMode.OPEN

    @property
    def first_day(self) -> date | None:
        """The Monday of the first week (for dates people read instead of week numbers)."""
        if not self.weeks:
            return None
        year, week = min(self.weeks).split("-W")
        return date.fromisocalendar(int(year), int(week), 1)

    @property
    def last_day(self) -> date | None:
        """The Friday of the last week."""
        if not self.weeks:
            return None
        year, week = max(self.weeks).split("-W")
        return date.fromisocalendar(int(year), int(week), 1) + timedelta(days=4)

    @property
    def unpaid(self) -> bool:
        return self.hourly_pay == 0

    @property
    def editable(self) -> bool:
        """The provider may still change it: it has not been published or closed."""
        return self.status in EDITABLE_STATUSES

    @property
    def can_submit(self) -> bool:
        """It may be sent for review: it is a draft."""
        return self.status is OfferStatus.DRAFT

    @property
    def can_close(self) -> bool:
        """Young people can see it: closing takes it out of the catalogue."""
        return self.status is OfferStatus.PUBLISHED

    @property
    def can_delete(self) -> bool:
        """Nobody but its provider and the municipality has seen it: a draft (or one
        returned for changes) or one waiting for review may simply go."""
        return self.status in EDITABLE_STATUSES

    @property
    def has_been_public(self) -> bool:
        """Published now or before: participants, copies and closing belong to it."""
        return self.status in (OfferStatus.PUBLISHED, OfferStatus.CLOSED)


class SignUpStatus(enum.Enum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class SignUp(db.Model):
    """A sign-up for an open activity: a place while places last, then the waiting list."""

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id", ondelete="CASCADE"),
                                          index=True)
    youth_id: Mapped[int] = mapped_column(
        sa.ForeignKey("youth_profile.id", ondelete="CASCADE"), index=True)
    status: Mapped[SignUpStatus] = mapped_column(enum_type(SignUpStatus))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    offer: Mapped[Offer] = relationship()
    youth: Mapped["YouthProfile"] = relationship()

    __table_args__ = (sa.UniqueConstraint("offer_id", "youth_id"),)

    @hybrid_property
    def has_place(self) -> bool:
        return self.status == SignUpStatus.CONFIRMED

    @hybrid_property
    def on_waiting_list(self) -> bool:
        return self.status == SignUpStatus.WAITING

    @hybrid_property
    def active(self) -> bool:
        """A place or a place in line: not cancelled, so it may be cancelled."""
        return self.status != SignUpStatus.CANCELLED
