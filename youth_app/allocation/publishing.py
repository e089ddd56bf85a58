"""Sending a round's offers: a background job that makes them in batches.

The request (``start``) moves the round to published (it never goes back), claims the
latest run (``published_at``: of two clicks one claims it, the other finds nothing to
send) and writes the job; the worker (``work``) does the rest in batches of ``BATCH``, each
committed with its e-mails, which leave only after that commit (``youth_app.mail``):

1. every proposal of the run still ``proposed`` becomes an offer; the state change is what
   makes it once (``placements.make_offers`` is a conditional update), so a job continued
   after a crash makes and mails only the offers not yet made;
2. at a round's first sending, each youth the run gave nothing is told so, in the order of
   their ids; the last id told is committed with its batch (``BackgroundJob.cursor``), so
   nobody is told twice.

The ``round.published`` audit row is written when the job has finished.
"""
from __future__ import annotations

from bisect import bisect_right

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from .. import audit, jobs
from ..extensions import db
from ..models import (AllocationRun, BackgroundJob, JobKind, JobStatus, MessageStatus,
                      OutgoingMessage, Placement, PlacementState, Round, RoundState,
                      TransitionError, User, YouthProfile, transition, utcnow)
from ..models.base import refresh_statistics
from ..placements import services as placements
from . import services

#: Offers (or youths told) per transaction.
BATCH = 500


def start(round_: Round, user=None, *, status: JobStatus = JobStatus.QUEUED
          ) -> BackgroundJob | None:
    """Claim the latest run's offers for sending and queue the job that sends them
    (the caller starts it after its commit); ``None`` when that run was sent already."""
    run = services.latest_successful_run(round_)
    if run is None:
        raise services.RunError("no_run")
    first = not services.published_runs(round_)
    if round_.state is RoundState.ALLOCATED:
        round_.move_to(RoundState.PUBLISHED)  # first: a second click waits here, then loses
    elif round_.state is not RoundState.PUBLISHED:
        raise TransitionError(state=round_.state)
    if not transition(run, AllocationRun.published_at.is_(None), published_at=utcnow()):
        return None
    total = _proposal_count(run) + (len(services.unplaced_ids(run, round_)) if first else 0)
    return jobs.create(JobKind.PUBLISH, round_.id, user, run_id=run.id, total=total,
                       options={"tell_unplaced": first}, status=status)


def publish_now(round_: Round, user=None) -> int:
    """Send the offers here, in the caller's transaction (the demo, tests, small rounds);
    returns how many were made (0: the latest run was sent already)."""
    job = start(round_, user, status=JobStatus.RUNNING)
    if job is None:
        return 0
    jobs.run_now(job)
    return offers_made(job)


def work(job: BackgroundJob, batches: jobs.Batches) -> None:
    round_, run = job.required_round, job.run
    if run is None:
        raise LookupError(f"job {job.id}: its run was deleted")
    while batch := _next_proposals(job.run_id):
        made = placements.make_offers(batch, round_.reply_days)
        batches.done(len(batch), f"offers:{made}")
    if job.options.get("tell_unplaced"):
        unplaced = sorted(services.unplaced_ids(run, round_))
        while chunk := unplaced[bisect_right(unplaced, job.cursor or 0):][:BATCH]:
            for youth in db.session.scalars(sa.select(YouthProfile).where(
                    YouthProfile.id.in_(chunk)).order_by(YouthProfile.id)
                    .options(selectinload(YouthProfile.user))):
                placements.tell_no_place(youth, round_)
            batches.done(len(chunk), "no_place", cursor=chunk[-1])
    refresh_statistics(Placement, OutgoingMessage)
    started_by = db.session.get(User, job.started_by_id) if job.started_by_id else None
    audit.record("round.published", round_, actor=started_by, state=round_.state.value,
                 run_id=job.run_id, offers=offers_made(job))


def _next_proposals(run_id: int | None) -> list[Placement]:
    return list(db.session.scalars(sa.select(Placement).where(
        Placement.run_id == run_id, Placement.state == PlacementState.PROPOSED)
        .order_by(Placement.id).limit(BATCH)
        .options(selectinload(Placement.youth).selectinload(YouthProfile.user),
                 selectinload(Placement.offer))))


def _proposal_count(run: AllocationRun) -> int:
    return db.session.scalar(sa.select(sa.func.count(Placement.id)).where(
        Placement.run_id == run.id, Placement.state == PlacementState.PROPOSED)) or 0


def offers_made(job: BackgroundJob) -> int:
    """The job's run's proposals that are offers now (answered ones included)."""
    return db.session.scalar(sa.select(sa.func.count(Placement.id)).where(
        Placement.run_id == job.run_id, Placement.state != PlacementState.PROPOSED,
        Placement.offered_at.is_not(None))) or 0


def offers_to_make(job: BackgroundJob) -> int:
    return db.session.scalar(sa.select(sa.func.count(Placement.id)).where(
        Placement.run_id == job.run_id)) or 0


def mail_counts(job: BackgroundJob) -> dict[str, int]:
    """The job's e-mails by status: ``sent``, ``waiting`` (to be delivered), ``failed``,
    ``kept`` (no mail server configured)."""
    rows = dict(db.session.execute(sa.select(OutgoingMessage.status, sa.func.count())
                                   .where(OutgoingMessage.job_id == job.id)
                                   .group_by(OutgoingMessage.status)).all())
    return {"sent": rows.get(MessageStatus.SENT, 0), "failed": rows.get(MessageStatus.FAILED, 0),
            "waiting": rows.get(MessageStatus.PENDING, 0) + rows.get(MessageStatus.SENDING, 0),
            "kept": rows.get(MessageStatus.KEPT, 0)}
