"""Background jobs: long staff actions done in batches by a worker, with progress.

A job's row (``BackgroundJob``) is its whole state. The request that starts one writes
the row and hands its id to a worker after the commit (``background.start``); the page
polls the row. The worker does the job in batches, each committed with its own changes,
its e-mails (the outbox: they leave after that commit) and the job's progress, so a job
stopped anywhere (an error, a killed worker) has left a consistent state and is
continued, not repeated: each kind's work picks up what is still to do from the rows
themselves.

Every batch's progress is written by a conditional update on the job's ``attempt``: a job
taken up again (``resume``) gets a new number, and a worker still holding the old one
stops at its next batch with nothing of that batch kept. The database settles who works.
"""
from __future__ import annotations

import importlib
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app

from . import audit, mail
from .db_retry import back_off, retryable, run_and_commit
from .extensions import db
from .models import BackgroundJob, DomainError, JobKind, JobStatus, transition, utcnow
from .models.job import ACTIVE

#: What each kind does: "module:function" taking (job, Batches).
WORK = {JobKind.PUBLISH: "youth_app.allocation.publishing:work",
        JobKind.CLOSE: "youth_app.allocation.services:freeze_closing_problem",
        JobKind.REPORT: "youth_app.reports.season:count",
        JobKind.IMPORT: "youth_app.caseworker.csv_import:work"}


class JobError(DomainError):
    """``job_running``: a job of that kind is already active for the round;
    ``job_not_resumable``: the job is running or finished."""


class JobTakenOver(Exception):
    """Another worker has taken up this job: this one stops, keeping nothing more."""


class Batches:
    """What a job's work calls after each batch. In a worker each batch is committed
    (``commit=True``); a synchronous caller (the demo, the CLI) keeps everything in its
    own transaction and only flushes."""

    def __init__(self, job: BackgroundJob, commit: bool):
        self.job, self.commit, self.attempt = job, commit, job.attempt

    def done(self, count: int, message: str, cursor: int | None = None) -> None:
        """Count ``count`` more items done and save the batch with the job's progress."""
        values: dict[str, Any] = {"done": BackgroundJob.done + count, "message": message,
                                  "heartbeat_at": utcnow()}
        if cursor is not None:
            values["cursor"] = cursor
        changed = cast("sa.CursorResult[Any]", db.session.execute(
            sa.update(BackgroundJob).where(
                BackgroundJob.id == self.job.id, BackgroundJob.attempt == self.attempt,
                BackgroundJob.status == JobStatus.RUNNING).values(**values)
            .execution_options(synchronize_session=False))).rowcount
        if not changed:
            raise JobTakenOver(self.job.id)
        if self.commit:
            db.session.commit()
        db.session.refresh(self.job)


def create(kind: JobKind, round_id: int | None, user=None, *, total: int = 0,
           run_id: int | None = None, options: dict | None = None,
           status: JobStatus = JobStatus.QUEUED) -> BackgroundJob:
    """Add a job; a second active one of the kind for the round is refused by the
    database (``uq_background_job_one_active``), in a SAVEPOINT so the caller's other
    changes stay."""
    job = BackgroundJob(kind=kind, round_id=round_id, run_id=run_id, total=total,
                        started_by_id=getattr(user, "id", None), options=options or {},
                        status=status, started_at=utcnow() if status is JobStatus.RUNNING
                        else None)
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except sa.exc.IntegrityError:
        raise JobError("job_running") from None
    return job


def active(kind: JobKind, round_id: int) -> BackgroundJob | None:
    return db.session.scalar(sa.select(BackgroundJob).where(
        BackgroundJob.kind == kind, BackgroundJob.round_id == round_id,
        BackgroundJob.status.in_(ACTIVE)))


def latest(kind: JobKind, round_id: int) -> BackgroundJob | None:
    return db.session.scalar(sa.select(BackgroundJob).where(
        BackgroundJob.kind == kind, BackgroundJob.round_id == round_id)
        .order_by(BackgroundJob.id.desc()).limit(1))


def latest_succeeded(kind: JobKind, round_id: int) -> BackgroundJob | None:
    return db.session.scalar(sa.select(BackgroundJob).where(
        BackgroundJob.kind == kind, BackgroundJob.round_id == round_id,
        BackgroundJob.status == JobStatus.SUCCEEDED)
        .order_by(BackgroundJob.id.desc()).limit(1))


def _work(kind: JobKind):
    module, _colon, function = WORK[kind].partition(":")
    return getattr(importlib.import_module(module), function)


def execute(job_id: int) -> BackgroundJob | None:
    """Do a queued job in batches (a worker's entry point). A job that raises is marked
    failed with the kind of error, keeping every batch committed before it."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None or not run_and_commit(lambda: transition(
            job, BackgroundJob.status == JobStatus.QUEUED, status=JobStatus.RUNNING,
            started_at=utcnow(), heartbeat_at=utcnow(), message="working")):
        return job  # taken by another worker, or not queued any more
    attempt = job.attempt
    try:
        with mail.for_job(job.id):
            _work_until_done(job)
    except JobTakenOver:
        db.session.rollback()
    except Exception as error:
        db.session.rollback()
        _fail(job_id, attempt, error)
        raise
    return job


def _work_until_done(job: BackgroundJob, attempts: int = 20) -> None:
    """The kind's work, begun again from what is committed when a batch lost a race for
    the database (SQLite's single writer; the work finds what is still to do itself)."""
    for attempt_number in range(attempts):
        try:
            _work(job.kind)(job, Batches(job, commit=True))
            finish(job, job.attempt)
            db.session.commit()
            return
        except sa.exc.OperationalError as error:
            if not retryable(error) or attempt_number == attempts - 1:
                raise
            db.session.rollback()
            back_off(attempt_number)
            db.session.refresh(job)


def run_now(job: BackgroundJob) -> None:
    """Do a job here, in the caller's transaction (the demo, the CLI, small rounds)."""
    with mail.for_job(job.id):
        _work(job.kind)(job, Batches(job, commit=False))
        finish(job, job.attempt)


def finish(job: BackgroundJob, attempt: int) -> None:
    if not transition(job, BackgroundJob.attempt == attempt,
                      BackgroundJob.status == JobStatus.RUNNING, status=JobStatus.SUCCEEDED,
                      message="done", finished_at=utcnow(), heartbeat_at=utcnow()):
        raise JobTakenOver(job.id)


def _fail(job_id: int, attempt: int, error: Exception) -> None:
    job = db.session.get(BackgroundJob, job_id)
    if job is not None and transition(
            job, BackgroundJob.attempt == attempt, BackgroundJob.status == JobStatus.RUNNING,
            status=JobStatus.FAILED, error=type(error).__name__[:100], finished_at=utcnow()):
        audit.record("job.failed", job, kind=job.kind.value, error=job.error)
    db.session.commit()


def resume(job: BackgroundJob, user=None) -> BackgroundJob:
    """Queue again a job that failed, or whose worker stopped sending its heartbeat; the
    caller starts it after its commit. It goes on from where its last batch ended."""
    stale = BackgroundJob.heartbeat_at < utcnow() - current_app.config["RUN_STALE_AFTER"]
    try:
        with db.session.begin_nested():
            resumed = transition(job, sa.or_(BackgroundJob.status == JobStatus.FAILED,
                                             sa.and_(BackgroundJob.status.in_(ACTIVE), stale)),
                                 status=JobStatus.QUEUED, attempt=job.attempt + 1, error="",
                                 heartbeat_at=utcnow(), finished_at=None, message="queued")
    except sa.exc.IntegrityError:  # another job of the kind is active for the round
        raise JobError("job_running") from None
    if not resumed:
        raise JobError("job_not_resumable")
    audit.record("job.resumed", job, actor=user, kind=job.kind.value, attempt=job.attempt)
    return job


def stale_jobs() -> list[BackgroundJob]:
    """Active jobs whose worker stopped sending its heartbeat (killed, out of memory,
    machine restarted), or that no worker took up."""
    return list(db.session.scalars(sa.select(BackgroundJob).where(
        BackgroundJob.status.in_(ACTIVE),
        BackgroundJob.heartbeat_at < utcnow() - current_app.config["RUN_STALE_AFTER"])
        .order_by(BackgroundJob.id)))


def resume_stale() -> list[int]:
    """The clock's task: take up again every stale job (each claimed by one conditional
    update, so two clocks resume it once). Returns their ids, to start after the commit."""
    resumed = []
    for job in stale_jobs():
        try:
            resume(job)
        except JobError:
            continue
        resumed.append(job.id)
    return resumed
