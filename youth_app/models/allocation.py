"""Allocation runs, the placements they propose, and the overrides staff make."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, enum_type, utcnow

if TYPE_CHECKING:
    from .offer import Offer
    from .round import Round
    from .youth import YouthProfile


class RunStatus(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class AllocationRun(db.Model):
    """One run of the optimiser; keeps everything needed to audit and repeat it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"),
                                          index=True)
    started_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    status: Mapped[RunStatus] = mapped_column(enum_type(RunStatus), default=RunStatus.QUEUED)
    method: Mapped[str] = mapped_column(sa.String(20), default="optimal")
    seed: Mapped[Optional[int]] = mapped_column(sa.BigInteger)
    #: The problem and result in the shared youth-allocation/1 format (the problem is
    #: built by the run's worker: ``allocation.services.execute``).
    problem: Mapped[Optional[dict]] = mapped_column(sa.JSON, deferred=True)
    result: Mapped[Optional[dict]] = mapped_column(sa.JSON, deferred=True)
    #: The figures of the result and of the lottery baseline, counted once when the run
    #: finished (``allocation.figures``).
    review: Mapped[Optional[dict]] = mapped_column(sa.JSON, deferred=True)
    #: Versions of the optimiser, PuLP and solver, for reproducing the run.
    versions: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    timings: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: 0-100, with a short description of the step, for the progress bar.
    progress: Mapped[int] = mapped_column(default=0)
    progress_message: Mapped[str] = mapped_column(sa.String(200), default="")
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    #: Set when this run's proposals were sent out as offers.
    published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    #: Written by the worker while it solves; a running run whose heartbeat stops is
    #: marked failed (``allocation.services.fail_stale_runs``).
    heartbeat_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    round: Mapped["Round"] = relationship()

    __table_args__ = (
        # One queued or running run per round: a second start loses in the database.
        sa.Index("uq_allocation_run_one_active", "round_id", unique=True,
                 sqlite_where=sa.text("status IN ('queued', 'running')"),
                 postgresql_where=sa.text("status IN ('queued', 'running')")),
    )

    @property
    def active(self) -> bool:
        """Waiting for a worker or being solved: it may be stopped."""
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)

    @property
    def succeeded(self) -> bool:
        """Solved: its result may be reviewed, audited and published."""
        return self.status is RunStatus.SUCCEEDED

    @property
    def failed(self) -> bool:
        return self.status is RunStatus.FAILED

    @property
    def stopped(self) -> bool:
        """Stopped by an administrator before it finished."""
        return self.status is RunStatus.CANCELLED

    @property
    def solved_problem(self) -> dict:
        """The problem it solves (built and stored by its worker before it solves, so
        every run that got that far has one)."""
        if self.problem is None:
            raise LookupError(f"allocation run {self.id} holds no problem")
        return self.problem

    @property
    def solved_result(self) -> dict:
        """Its result; only a run that succeeded has one (callers check ``succeeded``)."""
        if self.result is None:
            raise LookupError(f"allocation run {self.id} holds no result")
        return self.result

    @property
    def proven_optimal(self) -> bool:
        """Every step of a succeeded run was proven optimal (not cut short by the time
        limit); read from its stored review (``allocation.figures``)."""
        return bool(self.review and self.review.get("proven"))


class PlacementState(enum.Enum):
    PROPOSED = "proposed"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class Placement(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"),
                                          index=True)
    run_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("allocation_run.id", ondelete="SET NULL"))
    youth_id: Mapped[int] = mapped_column(
        sa.ForeignKey("youth_profile.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id", ondelete="CASCADE"),
                                          index=True)
    #: The youth's rank of this offer; null for a place given without an application.
    rank: Mapped[Optional[int]]
    state: Mapped[PlacementState] = mapped_column(
        enum_type(PlacementState), default=PlacementState.PROPOSED)
    offered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    reply_by: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    #: The supervisor confirmed that the youth started (jobs).
    start_confirmed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    #: When the reminder two days before ``reply_by`` went out (sent once).
    reminded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    round: Mapped["Round"] = relationship()
    youth: Mapped["YouthProfile"] = relationship()
    offer: Mapped["Offer"] = relationship()
    run: Mapped[Optional[AllocationRun]] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("run_id", "youth_id", "offer_id"),
        # A youth holds at most one live offer of one offer: a double click loses here.
        sa.Index("uq_placement_one_live_per_pair", "youth_id", "offer_id", unique=True,
                 sqlite_where=sa.text("state IN ('offered', 'accepted')"),
                 postgresql_where=sa.text("state IN ('offered', 'accepted')")),
    )

    # Hybrids, like ``Offer.is_job``: the answer and expiry queries ask them too.
    @hybrid_property
    def awaiting_answer(self) -> bool:
        """Offered to the youth, who has not answered yet."""
        return self.state == PlacementState.OFFERED

    @hybrid_property
    def accepted(self) -> bool:
        """The youth accepted: a participant of the offer."""
        return self.state == PlacementState.ACCEPTED


class RoundPseudonym(db.Model):
    """A youth's random key in one round's allocation problem (``youths[].id``).

    Drawn with ``secrets``, never derived from a database id, and different in every
    round, so nothing public links it to a person. The youth is shown their own key (to
    check their lottery number); staff with the auditor permission see keys next to
    groups, never next to names.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"))
    youth_id: Mapped[int] = mapped_column(
        sa.ForeignKey("youth_profile.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(16))

    __table_args__ = (sa.UniqueConstraint("round_id", "youth_id"),
                      sa.UniqueConstraint("round_id", "key"))


class RunYouthResult(db.Model):
    """One youth's outcome in one succeeded run, written with the run's result
    (``allocation.outcomes.store``): what the youth's pages and the staff pages of one
    youth or of the run read, so that they cost the same at any size instead of loading
    the whole run. One row for every youth of the run's problem, as its result holds them.

    Holds every reason's code, ``kept_apart`` included, and the priority tier: readers
    tell them through ``explain.told_reason`` and ``for_staff``, as they told the whole
    run's explanation; the youth's pages never read ``tier``.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("allocation_run.id", ondelete="CASCADE"))
    #: Null once the youth's account is removed (or if it was removed while the run
    #: solved): the row stays, like the run's result, naming nobody.
    youth_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("youth_profile.id", ondelete="SET NULL"), index=True)
    #: The youth's pseudonym in the run's problem (``RoundPseudonym.key``).
    key: Mapped[str] = mapped_column(sa.String(16))
    #: The youth's place in the lottery (1 = drawn first), and how many were drawn.
    lottery_number: Mapped[Optional[int]]
    lottery_size: Mapped[int]
    #: Applied and got nothing (the result's ``unplaced``).
    unplaced: Mapped[bool] = mapped_column(default=False)
    #: The youth's priority tier in the run: for social services only (``for_staff``).
    tier: Mapped[Optional[str]] = mapped_column(sa.String(50))
    #: ``[{"offer": offer id, "rank": rank or null (locked)}]``, the run's places.
    placements: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: ``[{"offer": offer id, "rank": rank, "got": bool, "reasons": [code, ...]}]``, the
    #: youth's choices best first; ``reasons`` as ``matching.explain`` gives them.
    choices: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: The youth's group in each dimension of the figures (``matching.DIMENSIONS``:
    #: tier, district, gender, age), as ``matching.group_of`` gives it: what the season
    #: report counts, without loading the run's problem.
    groups: Mapped[Optional[dict]] = mapped_column(sa.JSON)

    __table_args__ = (sa.UniqueConstraint("run_id", "youth_id"),
                      sa.UniqueConstraint("run_id", "key"))


class OverrideKind(enum.Enum):
    LOCK = "lock"
    FORBID = "forbid"


class Override(db.Model):
    """A staff decision the optimiser must respect: this pair always, or never."""

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"),
                                          index=True)
    youth_id: Mapped[int] = mapped_column(sa.ForeignKey("youth_profile.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id", ondelete="CASCADE"))
    kind: Mapped[OverrideKind] = mapped_column(enum_type(OverrideKind))
    reason: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    removed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    __table_args__ = (sa.CheckConstraint("length(reason) > 0", name="reason_given"),)
