"""A season of allocation, e.g. "Sommarjobb 2026", and its guarded lifecycle."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import DomainError, UTCDateTime, enum_type, transition, utcnow

if TYPE_CHECKING:
    from .offer import Offer


class RoundState(enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ALLOCATED = "allocated"
    PUBLISHED = "published"
    FINISHED = "finished"


#: Which state may follow which. ``allocated`` may be re-run (overrides). A state never
#: goes backwards once the offers are out: a published round stays published while a
#: second run fills freed places (``allocation.services.publish``).
TRANSITIONS: dict[RoundState, frozenset[RoundState]] = {
    RoundState.DRAFT: frozenset({RoundState.OPEN}),
    RoundState.OPEN: frozenset({RoundState.CLOSED}),
    RoundState.CLOSED: frozenset({RoundState.ALLOCATED, RoundState.OPEN}),
    RoundState.ALLOCATED: frozenset({RoundState.PUBLISHED, RoundState.CLOSED}),
    RoundState.PUBLISHED: frozenset({RoundState.FINISHED}),
    RoundState.FINISHED: frozenset(),
}

#: A round's settings may be changed until it is allocated (``rounds.services.save``).
EDITABLE_STATES = frozenset({RoundState.DRAFT, RoundState.OPEN, RoundState.CLOSED})
#: The allocation may be run once applications are closed, and run again after an
#: earlier run or publishing (``allocation.services.start_run``).
RUNNABLE_STATES = frozenset({RoundState.CLOSED, RoundState.ALLOCATED, RoundState.PUBLISHED})

#: The optimiser's policy fields (shared/contracts/allocation-format.md) with defaults.
DEFAULT_POLICY = {
    "max_places_per_youth": 2,
    "max_jobs_per_youth": 1,
    "priority_tiers": [],
    "priority_ranks": True,
}


class TransitionError(DomainError):
    """The round's state does not allow the step asked for; ``params["state"]`` is the
    state it is in (in the database, when another request moved it first)."""

    code = "wrong_state"


class Round(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    state: Mapped[RoundState] = mapped_column(enum_type(RoundState), default=RoundState.DRAFT)
    application_opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    application_closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: How long a youth has to answer an offer.
    reply_days: Mapped[int] = mapped_column(default=7)
    #: Ages are counted on this day (the contract's "reference date").
    reference_date: Mapped[date]
    min_age: Mapped[int] = mapped_column(default=13)
    max_age: Mapped[int] = mapped_column(default=19)
    #: Only youths living in the municipality may apply.
    residents_only: Mapped[bool] = mapped_column(default=True)
    max_choices: Mapped[int] = mapped_column(default=5)
    #: The optimiser's policy: places and jobs per youth, priority tiers in order.
    policy: Mapped[dict] = mapped_column(sa.JSON, default=lambda: dict(DEFAULT_POLICY))
    #: Job periods, e.g. ``[{"name": "Period 1", "weeks": ["2026-W25", ...]}]``.
    periods: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    #: Drawn when the application window closes; revealed after publishing.
    lottery_seed: Mapped[Optional[int]] = mapped_column(sa.BigInteger)
    #: SHA-256 of the seed, published on the round's page before the seed is.
    seed_fingerprint: Mapped[Optional[str]] = mapped_column(sa.String(64))
    #: The problem as it stood when applications closed (pseudonymous, but with groups:
    #: confidential, for auditors only) and its SHA-256, published at closing.
    closing_problem: Mapped[Optional[dict]] = mapped_column(sa.JSON, deferred=True)
    problem_fingerprint: Mapped[Optional[str]] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    offers: Mapped[list["Offer"]] = relationship(back_populates="round")

    __table_args__ = (
        sa.CheckConstraint("application_opens_at < application_closes_at",
                           name="window_in_order"),
        sa.CheckConstraint("min_age <= max_age", name="ages_in_order"),
        sa.CheckConstraint("max_choices >= 1", name="at_least_one_choice"),
    )

    @property
    def method(self) -> str:
        """The rule the round shares its places out by: ``optimal`` (coverage first, the
        default) or ``stable`` (deferred acceptance); kept in the policy, never sent to
        the optimiser as part of the problem (``allocation.problem._policy``)."""
        return (self.policy or {}).get("method", "optimal")

    @property
    def editable(self) -> bool:
        """Its settings may still be changed: it has not been allocated."""
        return self.state in EDITABLE_STATES

    @property
    def can_run(self) -> bool:
        """The allocation may be run (again): applications are closed."""
        return self.state in RUNNABLE_STATES

    @property
    def can_publish(self) -> bool:
        """A run's offers may be sent: the first time, or a second round's new ones."""
        return self.state in (RoundState.ALLOCATED, RoundState.PUBLISHED)

    @property
    def second_round(self) -> bool:
        """The offers have gone out: a run now only fills places freed since."""
        return self.state is RoundState.PUBLISHED

    @property
    def can_offer_by_hand(self) -> bool:
        """Late vacancies may be offered directly: the offers have gone out."""
        return self.state is RoundState.PUBLISHED

    def can_move_to(self, state: RoundState) -> bool:
        return state in TRANSITIONS[self.state]

    def move_to(self, state: RoundState) -> None:
        """Change state, or raise :class:`TransitionError` when the lifecycle forbids it
        or another request changed the state first (settled by the database)."""
        old = self.state
        if not self.can_move_to(state) or \
                not transition(self, Round.state == old, state=state):
            raise TransitionError(state=self.state)

    def accepts_applications(self, now: datetime) -> bool:
        return (self.state is RoundState.OPEN
                and self.application_opens_at <= now < self.application_closes_at)
