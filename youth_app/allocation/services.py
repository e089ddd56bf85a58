"""Running the optimiser for a round, and what a finished run changes.

A run only ever adds ``proposed`` placements tied to itself. Nothing a youth can see
changes until ``publish``; a run that fails or is stopped leaves everything as it was.
"""
from __future__ import annotations

import platform
import secrets
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from hashlib import sha256
from importlib.metadata import version
from typing import Any, cast

import sqlalchemy as sa
from flask import Flask, current_app

import matching

from .. import audit, background, facts, jobs
from ..db_retry import run_and_commit
from ..extensions import db
from ..models import (AllocationMode, AllocationRun, BackgroundJob, DomainError, JobKind,
                      JobStatus, Offer, OfferKind, Placement, PlacementState, Round,
                      RoundState, RunStatus, RunYouthResult, User, YouthProfile, transition,
                      utcnow)
from ..models.base import refresh_statistics
from . import figures, outcomes
from . import problem as problems


class RunError(DomainError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def fingerprint(seed: int) -> str:
    """What is published before the seed: SHA-256 of the seed written in decimal."""
    return sha256(str(seed).encode("ascii")).hexdigest()


def draw_seed(round_: Round) -> bool:
    """Draw the lottery seed when the window closes; only its fingerprint is shown.
    False if the round had one already. The caller's audit row names the fingerprint."""
    if round_.lottery_seed is not None:
        return False
    round_.lottery_seed = secrets.randbelow(2**53)
    round_.seed_fingerprint = fingerprint(round_.lottery_seed)
    return True


def close(round_: Round, user=None) -> None:
    """Close the window and freeze the problem here, in the caller's transaction (the
    demo, the CLI); a request uses ``begin_closing``."""
    job = begin_closing(round_, user, status=JobStatus.RUNNING)
    jobs.run_now(job)


def begin_closing(round_: Round, user=None, *,
                  status: JobStatus = JobStatus.QUEUED) -> BackgroundJob:
    """Close the window: the round is closed and the seed drawn in this transaction; the
    problem, as it stands then, is frozen by a job (``freeze_closing_problem``) that the
    caller starts after its commit.

    Why the fingerprints still mean what they say: applications cannot change once the
    round is closed, no run can start until the problem is frozen (``start_run``), and
    the seed is revealed only at publishing, long after both fingerprints are on the
    public page. The round's page shows "closing" while the job works."""
    round_.move_to(RoundState.CLOSED)
    draw_seed(round_)
    round_.closing_problem, round_.problem_fingerprint = None, None  # reopened: anew
    return jobs.create(JobKind.CLOSE, round_.id, user, total=1, status=status)


def freeze_closing_problem(job: BackgroundJob, batches: jobs.Batches) -> None:
    """The closing job's work: freeze the problem with every applicant's pseudonym.
    Both fingerprints go on the public page, so nobody can change the seed or the
    applicants afterwards unseen. One audit row holds both, with who closed."""
    round_ = db.session.get(Round, job.round_id)
    if round_.state is RoundState.CLOSED and round_.problem_fingerprint is None:
        # (a job taken up again may find it done; a round opened again is left alone)
        round_.closing_problem = problems.build(round_, round_.lottery_seed)
        round_.problem_fingerprint = problems.fingerprint(round_.closing_problem)
        closer = db.session.get(User, job.started_by_id) if job.started_by_id else None
        audit.record("round.closed", round_, actor=closer, state=round_.state.value,
                     seed_fingerprint=round_.seed_fingerprint,
                     problem_fingerprint=round_.problem_fingerprint,
                     youths=len(round_.closing_problem["youths"]))
    batches.done(1, "done")


def closing(round_: Round) -> bool:
    """Closed, with its problem not frozen yet: no run may start."""
    return round_.state is RoundState.CLOSED and round_.problem_fingerprint is None \
        and round_.lottery_seed is not None and jobs.latest(JobKind.CLOSE, round_.id) is not None


ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


def start_run(round_: Round, user=None, method: str = "optimal") -> AllocationRun:
    """Queue a run of the round's problem as it stands when the worker takes it up (it
    builds it first, ``execute``: at a city's size that takes seconds, too long for a
    request). One run at a time per round: the database refuses a second active run
    (``uq_allocation_run_one_active``); none while the closing problem is being frozen."""
    if not round_.can_run:
        raise RunError("round_not_closed")
    if closing(round_):
        raise RunError("still_closing")
    fail_stale_runs(round_)
    if active_run(round_) is not None:
        raise RunError("already_running")
    drawn = draw_seed(round_)  # a round closed before seeds were drawn at closing
    run = AllocationRun(round_id=round_.id, started_by_id=getattr(user, "id", None),
                        method=method, seed=round_.lottery_seed,
                        versions=_versions(), progress_message="queued",
                        heartbeat_at=utcnow())
    db.session.add(run)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:  # another start won the race; the caller rolls back
        raise RunError("already_running") from None
    audit.record("allocation.run_started", run, actor=user, method=method,
                 **({"seed_fingerprint": round_.seed_fingerprint} if drawn else {}))
    return run


def active_run(round_: Round) -> AllocationRun | None:
    return db.session.scalar(sa.select(AllocationRun).where(
        AllocationRun.round_id == round_.id, AllocationRun.status.in_(ACTIVE)))


def fail_stale_runs(round_: Round | None = None) -> int:
    """Mark failed every running run whose worker has stopped sending its heartbeat
    (killed, out of memory, machine restarted), so the round can be run again. Called
    whenever a run's state is looked at; cheap (one indexed read, and an update only when
    a run has gone stale)."""
    stale = [AllocationRun.status == RunStatus.RUNNING,
             AllocationRun.heartbeat_at < utcnow() - current_app.config["RUN_STALE_AFTER"]]
    if round_ is not None:
        stale.append(AllocationRun.round_id == round_.id)
    if db.session.scalar(sa.select(AllocationRun.id).where(*stale).limit(1)) is None:
        return 0  # the usual case: a read, so polling the progress never blocks a writer
    failed = cast("sa.CursorResult[Any]", db.session.execute(  # an UPDATE: it has a rowcount
        sa.update(AllocationRun).where(*stale).values(
            status=RunStatus.FAILED, error=WORKER_DIED, finished_at=utcnow())
        .execution_options(synchronize_session="fetch")))
    return failed.rowcount


#: The run's error when its worker died (the page translates it).
WORKER_DIED = "worker_stopped"


def _versions() -> dict:
    return {"python": platform.python_version(), "pulp": version("pulp"),
            "highspy": version("highspy"), "matching_format": matching.FORMAT}


def execute(run_id: int, solver: str = "highs") -> AllocationRun:
    """Solve a queued run and store its proposals.

    No transaction is held while the solver works (SQLite would otherwise block the
    progress updates, written on their own connection for the page that polls them).
    While it works, a heartbeat is written every ``RUN_HEARTBEAT_EVERY`` seconds; the
    result is stored only if the run is still running then (not stopped, nor declared
    dead), in the same transaction that stores it.
    """
    run = db.session.get(AllocationRun, run_id)
    if run is None or not run_and_commit(lambda: transition(
            run, AllocationRun.status == RunStatus.QUEUED, status=RunStatus.RUNNING,
            progress_message="building", heartbeat_at=utcnow())):
        return run  # stopped before a worker took it
    try:
        with _heartbeat(run_id):
            problem_data, method = _problem_of(run), run.method
            db.session.commit()
            problem = matching.load_problem(problem_data)
            result = matching.solve(problem, solver=solver, method=method,
                                    progress=_progress_writer(run_id))
            breaches = matching.validate(problem, result)
            if breaches:
                raise RuntimeError(f"result breaks {len(breaches)} rules: {breaches[0]}")
            review = figures.review_of(problem, result) \
                if result.status is not matching.Status.INFEASIBLE else None
        # False (nothing kept) if it was stopped, or given up for dead, while solving.
        run_and_commit(lambda: _store(db.session.get(AllocationRun, run_id), result, review,
                                      problem))
    except Exception as error:  # the run fails; nothing published changes
        db.session.rollback()
        _fail(run_id, error)
        raise
    return run


def _problem_of(run: AllocationRun) -> dict:
    """The run's problem, built (and stored with it) when the worker first takes it up."""
    if run.problem is None:
        round_ = db.session.get(Round, run.round_id)
        run.problem = problems.build(round_, run.seed)
        run.progress_message = "encoding"
    return run.problem


@contextmanager
def _heartbeat(run_id: int):
    """A thread that tells, every few seconds, that this run's worker is alive (the
    solver releases the GIL often enough: measured gaps under a second at 20,000)."""
    every = current_app.config["RUN_HEARTBEAT_EVERY"]
    stopped = threading.Event()
    engine = db.engine

    def beat() -> None:
        while not stopped.wait(every):
            try:
                with engine.begin() as connection:
                    connection.execute(sa.update(AllocationRun).where(
                        AllocationRun.id == run_id, AllocationRun.status == RunStatus.RUNNING)
                        .values(heartbeat_at=utcnow()))
            except sa.exc.OperationalError:  # SQLite busy while the worker builds: next beat
                continue

    thread = threading.Thread(target=beat, daemon=True, name=f"run-{run_id}-heartbeat")
    thread.start()
    try:
        yield
    finally:
        stopped.set()
        thread.join()


def stop(run: AllocationRun, user=None) -> None:
    """Stop a queued or running run (or one whose process died): nothing of it is kept."""
    if not transition(run, AllocationRun.status.in_(ACTIVE), status=RunStatus.CANCELLED,
                      finished_at=utcnow()):
        raise RunError("not_running")
    audit.record("allocation.run_stopped", run, actor=user)


def _progress_writer(run_id: int):
    """Writes the solver's level-by-level progress on its own connection, committed at
    once, so the page polling it sees each level as it starts (the run's session holds no
    transaction while it solves: ``execute``). It stores a code, ``step:3:6:rank sum:1.2``
    (``queued``, ``encoding`` and ``done`` before and after), that the page translates
    (``labels.progress_text``)."""
    def write(index: int, count: int, name: str, elapsed: float) -> None:
        with db.engine.begin() as connection:
            connection.execute(sa.update(AllocationRun).where(
                AllocationRun.id == run_id, AllocationRun.status == RunStatus.RUNNING).values(
                progress=min(99, int(100 * index / max(count, 1))), heartbeat_at=utcnow(),
                progress_message=f"step:{index}:{count}:{name}:{elapsed:.1f}"))
    return write


def _store(run: AllocationRun, result: matching.Result, review: dict | None,
           problem: matching.Problem) -> bool:
    """Keep the result, its review and each youth's outcome (``outcomes``), if the run
    is still running; False if it was not."""
    youth_ids = problems.youth_ids_by_key(run.round_id)
    if review is not None:
        review = {**review, "changes": figures.changes_of(run, result, youth_ids)}
    done = {"result": result.to_dict(), "timings": dict(result.stats.get("timings", {})),
            "review": review, "finished_at": utcnow()}
    if result.status is matching.Status.INFEASIBLE:
        return transition(run, AllocationRun.status == RunStatus.RUNNING,
                          status=RunStatus.FAILED, error="infeasible: locks clash", **done)
    if not transition(run, AllocationRun.status == RunStatus.RUNNING,
                      status=RunStatus.SUCCEEDED, progress=100, progress_message="done",
                      **done):
        return False
    kept = set(db.session.execute(sa.select(Placement.youth_id, Placement.offer_id).where(
        Placement.round_id == run.round_id, Placement.state.in_(problems.KEEP))).all())
    new = [{"round_id": run.round_id, "run_id": run.id, "youth_id": youth_ids.get(a.youth),
            "offer_id": problems.offer_id_of(a.offer), "rank": a.rank,
            "state": PlacementState.PROPOSED} for a in result.assignments]
    # A youth who removed their account while it solved has no pseudonym any more.
    new = [row for row in new if row["youth_id"] is not None
           and (row["youth_id"], row["offer_id"]) not in kept]
    for start in range(0, len(new), 5000):  # a place given in an earlier run stays as it is
        db.session.execute(sa.insert(Placement), new[start:start + 5000])
    outcomes.store(run, problem, result, youth_ids)
    refresh_statistics(Placement, RunYouthResult)
    round_ = db.session.get(Round, run.round_id)
    if round_.state is RoundState.CLOSED:  # a published round stays published
        round_.move_to(RoundState.ALLOCATED)
    audit.record("allocation.run_finished", run, status=result.status.value)
    return True


def _fail(run_id: int, error: Exception) -> None:
    """Mark the run failed (unless it was stopped meanwhile). The error is kept for
    staff by its kind only: a message could quote data (a database error quotes rows)."""
    run = db.session.get(AllocationRun, run_id)
    if transition(run, AllocationRun.status.in_(ACTIVE), status=RunStatus.FAILED,
                  error=type(error).__name__, finished_at=utcnow()):
        audit.record("allocation.run_failed", run)
    db.session.commit()


def start_in_background(app: Flask, run_id: int) -> None:
    """Solve the committed run outside the request (``background.start``)."""
    background.start(app, "allocation_run", run_id)


def latest_successful_run(round_: Round) -> AllocationRun | None:
    return db.session.scalar(sa.select(AllocationRun).where(
        AllocationRun.round_id == round_.id, AllocationRun.status == RunStatus.SUCCEEDED)
        .order_by(AllocationRun.id.desc()).limit(1))


def publish(round_: Round, user=None) -> int:
    """Send the new offers of the latest run here, in the caller's transaction (the demo,
    the CLI); returns how many were made (0 when that run was sent already: nothing is
    sent twice). A request queues a job instead (``publishing.start``)."""
    from . import publishing

    return publishing.publish_now(round_, user)


@dataclass(frozen=True)
class PublishSummary:
    """What "Approve and send the offers" will do, counted from the stored run."""
    run: AllocationRun
    offers: int
    youths_offered: int
    youths_told_no_place: int
    consents: int
    #: The round's offers went out before: this run only fills freed places.
    second_round: bool

    @property
    def nothing_to_send(self) -> bool:
        return self.offers == 0 and self.youths_told_no_place == 0


def publish_summary(round_: Round) -> PublishSummary | None:
    """The counts the confirmation page shows; ``None`` when no run has succeeded."""
    run = latest_successful_run(round_)
    if run is None:
        return None
    second = bool(published_runs(round_))
    if run.published_at:
        return PublishSummary(run=run, offers=0, youths_offered=0, youths_told_no_place=0,
                              consents=0, second_round=second)
    # Counted by the database (a city's proposals are not loaded to be counted); a
    # consent is a job for someone under ADULT_AGE today (``placements.needs_consent``).
    minor_job = sa.and_(Offer.kind == OfferKind.JOB, YouthProfile.date_of_birth
                        > facts.last_adult_birth_date(facts.today()))
    offers, youths, consents = db.session.execute(
        sa.select(sa.func.count(Placement.id), sa.func.count(sa.distinct(Placement.youth_id)),
                  sa.func.count(Placement.id).filter(minor_job))
        .join(Offer, Offer.id == Placement.offer_id)
        .join(YouthProfile, YouthProfile.id == Placement.youth_id)
        .where(Placement.run_id == run.id, Placement.state == PlacementState.PROPOSED)).one()
    told = 0 if second else len(unplaced_ids(run, round_))
    return PublishSummary(run=run, offers=offers, youths_offered=youths,
                          youths_told_no_place=told, consents=consents, second_round=second)


def unplaced_ids(run: AllocationRun, round_: Round) -> set[int]:
    """The youths of the round (still with an account) the run gave nothing: from the
    run's rows per youth (one indexed read), or for a run stored before those, its result."""
    if outcomes.stored(run.id):
        return set(outcomes.unplaced_youth_ids(run.id))
    youth_ids = problems.youth_ids_by_key(round_.id)
    unplaced = {youth_ids.get(entry["youth"]) for entry in run.result["unplaced"]}
    return unplaced - {None}


def has_unsent_run(round_: Round) -> bool:
    """The latest successful run's offers have not been sent yet."""
    run = latest_successful_run(round_)
    return run is not None and run.published_at is None


def freed_places(round_: Round) -> int:
    """Places given back (declined or expired) since the offers went out: what a second
    run can fill. Counted per offer, never above its places."""
    live = (PlacementState.OFFERED, PlacementState.ACCEPTED)
    taken = sa.select(sa.func.count(Placement.id)).where(
        Placement.offer_id == Offer.id, Placement.state.in_(live)).scalar_subquery()
    rows = db.session.execute(sa.select(Offer.capacity, taken).where(
        Offer.round_id == round_.id, Offer.allocation_mode == AllocationMode.ROUND,
        sa.exists().where(Placement.offer_id == Offer.id, Placement.state.in_(
            (PlacementState.DECLINED, PlacementState.EXPIRED))))).all()
    return sum(max(capacity - count, 0) for capacity, count in rows)


def published_runs(round_: Round) -> list[AllocationRun]:
    """The runs whose offers went out, newest first."""
    return list(db.session.scalars(sa.select(AllocationRun).where(
        AllocationRun.round_id == round_.id, AllocationRun.published_at.is_not(None))
        .order_by(AllocationRun.id.desc())))
