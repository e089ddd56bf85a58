"""Long staff actions done by a worker, outside the request: publishing a round's offers,
freezing its closing problem, counting its season report, importing a list into a priority group. The row is the job's whole state, so any worker (or the
clock) can take up one whose worker died (``youth_app.jobs``)."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, enum_type, utcnow

if TYPE_CHECKING:
    from .allocation import AllocationRun
    from .round import Round


class JobKind(enum.Enum):
    #: Make the latest run's offers and tell the youths without a place.
    PUBLISH = "publish"
    #: Freeze the problem of a round whose window has just closed.
    CLOSE = "close"
    #: Count the season's figures (applied, offered, accepted per group) for the report
    #: page and its downloads, which then read the stored counts.
    REPORT = "report"
    #: Add an imported list's youths to a priority group (social services), in batches.
    IMPORT = "import"


class JobStatus(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    #: Stopped by an error; what it did is kept and it can be continued.
    FAILED = "failed"


#: Waiting for a worker or being worked on: at most one per kind and round.
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class BackgroundJob(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[JobKind] = mapped_column(enum_type(JobKind))
    #: The round a round's job works on; none for an import into a priority group.
    round_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("round.id", ondelete="CASCADE"), index=True)
    #: The run whose proposals a publishing job turns into offers.
    run_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("allocation_run.id", ondelete="SET NULL"))
    started_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    status: Mapped[JobStatus] = mapped_column(enum_type(JobStatus), default=JobStatus.QUEUED)
    #: Items done and to do (offers and youths told), committed with each batch.
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    #: A code the page translates (``labels.job_progress_text``).
    message: Mapped[str] = mapped_column(sa.String(100), default="queued")
    #: The kind of error that stopped it (never its text: it could quote data).
    error: Mapped[str] = mapped_column(sa.String(100), default="")
    #: Where a batch of a step without a state change of its own stopped (the last youth
    #: id told "no place"), committed with that batch.
    cursor: Mapped[Optional[int]]
    #: What the job was asked to do (``{"tell_unplaced": true}``).
    options: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: What a job that computes something found (a report's counts, small ones already
    #: hidden): a few rows, whatever the number of youths.
    result: Mapped[Optional[dict]] = mapped_column(sa.JSON)
    #: Raised each time the job is taken up again: a worker whose number is no longer the
    #: job's stops at its next batch, so two workers never work on one job.
    attempt: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    #: Written with every batch; a job whose heartbeat stops is taken up again.
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    round: Mapped[Optional["Round"]] = relationship()
    run: Mapped[Optional["AllocationRun"]] = relationship()

    __table_args__ = (
        # One queued or running job of a kind per round: a second start loses here.
        sa.Index("uq_background_job_one_active", "kind", "round_id", unique=True,
                 sqlite_where=sa.text("status IN ('queued', 'running')"),
                 postgresql_where=sa.text("status IN ('queued', 'running')")),
    )

    @property
    def required_round(self) -> "Round":
        """The round of a round's job (publishing, closing, counting the report)."""
        if self.round is None:
            raise LookupError(f"job {self.id} works on no round")
        return self.round

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def succeeded(self) -> bool:
        return self.status is JobStatus.SUCCEEDED

    @property
    def failed(self) -> bool:
        return self.status is JobStatus.FAILED

    @property
    def progress(self) -> int:
        """0-100 for the progress bar."""
        if self.succeeded:
            return 100
        return min(99, 100 * self.done // self.total) if self.total else 0
