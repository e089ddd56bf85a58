"""Running the optimiser for a round, and what a finished run changes.

A run only ever adds ``proposed`` placements tied to itself. Nothing a youth can see
changes until ``publish``; a run that fails or is stopped leaves everything as it was.
"""
from __future__ import annotations

import platform
import secrets
import threading
from hashlib import sha256
from importlib.metadata import version

import sqlalchemy as sa
from flask import Flask, current_app

import matching

from .. import audit, logs
from ..extensions import db
from ..models import (AllocationRun, DomainError, Placement, PlacementState, Round,
                      RoundState, RunStatus, utcnow)
from ..placements import services as placements
from . import problem as problems


class RunError(DomainError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def fingerprint(seed: int) -> str:
    """What is published before the seed: SHA-256 of the seed written in decimal."""
    return sha256(str(seed).encode("ascii")).hexdigest()


def draw_seed(round_: Round) -> None:
    """Draw the lottery seed when the window closes; only its fingerprint is shown."""
    if round_.lottery_seed is None:
        round_.lottery_seed = secrets.randbelow(2**53)
        round_.seed_fingerprint = fingerprint(round_.lottery_seed)
        audit.record("round.seed_drawn", round_, fingerprint=round_.seed_fingerprint)


def close(round_: Round) -> None:
    round_.move_to(RoundState.CLOSED)
    draw_seed(round_)
    audit.record("round.closed", round_)


def start_run(round_: Round, user=None, method: str = "optimal") -> AllocationRun:
    """Queue a run of the round's current problem (built now, so later edits to the
    round do not change what this run solves)."""
    if round_.state not in (RoundState.CLOSED, RoundState.ALLOCATED, RoundState.PUBLISHED):
        raise RunError("round_not_closed")
    if round_.lottery_seed is None:
        draw_seed(round_)
    run = AllocationRun(round_id=round_.id, started_by_id=getattr(user, "id", None),
                        method=method, seed=round_.lottery_seed,
                        problem=problems.build(round_, round_.lottery_seed),
                        versions=_versions(), progress_message="queued")
    db.session.add(run)
    db.session.flush()
    audit.record("allocation.run_started", run, actor=user, method=method)
    return run


def _versions() -> dict:
    return {"python": platform.python_version(), "pulp": version("pulp"),
            "highspy": version("highspy"), "matching_format": "youth-allocation/1"}


def execute(run_id: int, solver: str = "highs") -> AllocationRun:
    """Solve a queued run and store its proposals.

    No transaction is held while the solver works (SQLite would otherwise block the
    progress updates, written on their own connection for the page that polls them).
    """
    run = db.session.get(AllocationRun, run_id)
    run.status, run.progress_message = RunStatus.RUNNING, "encoding"
    problem_data, method = run.problem, run.method
    db.session.commit()
    try:
        problem = matching.load_problem(problem_data)
        result = matching.solve(problem, solver=solver, method=method,
                                progress=_progress_writer(run_id))
        breaches = matching.validate(problem, result)
        if breaches:
            raise RuntimeError(f"result breaks {len(breaches)} rules: {breaches[0]}")
        run = db.session.get(AllocationRun, run_id)
        db.session.refresh(run)
        if run.status is RunStatus.CANCELLED:
            return run  # stopped while solving: its result is thrown away
        _store(run, result)
        db.session.commit()
    except Exception as error:  # the run fails; nothing published changes
        db.session.rollback()
        _fail(run_id, error)
        raise
    return run


def stop(run: AllocationRun, user=None) -> None:
    """Stop a queued or running run (or one whose process died): nothing of it is kept."""
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        raise RunError("not_running")
    run.status, run.finished_at = RunStatus.CANCELLED, utcnow()
    audit.record("allocation.run_stopped", run, actor=user)


def _progress_writer(run_id: int):
    """Writes the solver's level-by-level progress on its own connection, so the page
    polling it sees it while the run's own transaction is still open."""
    def write(index: int, count: int, name: str, elapsed: float) -> None:
        with db.engine.begin() as connection:
            connection.execute(sa.update(AllocationRun).where(AllocationRun.id == run_id).values(
                progress=min(99, int(100 * index / max(count, 1))),
                progress_message=f"{index}/{count} {name} ({elapsed:.1f} s)"))
    return write


def _store(run: AllocationRun, result: matching.Result) -> None:
    run.result = result.to_dict()
    run.timings = dict(result.stats.get("timings", {}))
    if result.status is matching.Status.INFEASIBLE:
        run.status, run.error = RunStatus.FAILED, "infeasible: locks clash"
        run.finished_at = utcnow()
        return
    kept = {(p.youth_id, p.offer_id) for p in db.session.scalars(sa.select(Placement).where(
        Placement.round_id == run.round_id, Placement.state.in_(problems.KEEP)))}
    for a in result.assignments:
        if (problems.key_id(a.youth), problems.key_id(a.offer)) in kept:
            continue  # a place given in an earlier run, locked in this one
        db.session.add(Placement(round_id=run.round_id, run_id=run.id,
                                 youth_id=problems.key_id(a.youth),
                                 offer_id=problems.key_id(a.offer), rank=a.rank))
    run.status, run.progress, run.progress_message = RunStatus.SUCCEEDED, 100, "done"
    run.finished_at = utcnow()
    round_ = db.session.get(Round, run.round_id)
    if round_.state is not RoundState.ALLOCATED:
        round_.move_to(RoundState.ALLOCATED)
    audit.record("allocation.run_finished", run, status=result.status.value)


def _fail(run_id: int, error: Exception) -> None:
    run = db.session.get(AllocationRun, run_id)
    run.status, run.error, run.finished_at = RunStatus.FAILED, str(error)[:2000], utcnow()
    audit.record("allocation.run_failed", run)
    db.session.commit()


def start_in_background(app: Flask, run_id: int) -> None:
    """RQ on Redis when ``REDIS_URL`` is set; a worker thread otherwise (``make run``)."""
    if app.config.get("ALLOCATION_INLINE"):  # tests: run now, in this request
        try:
            execute(run_id)
        except Exception:
            logs.exception(current_app.logger, "Allocation run %s failed", run_id)
        return
    if app.config.get("REDIS_URL"):
        from redis import Redis
        from rq import Queue

        Queue("allocation", connection=Redis.from_url(app.config["REDIS_URL"])).enqueue(
            "worker.run_allocation", run_id, job_timeout=3600)
        return
    thread = threading.Thread(target=_thread_main, args=(app, run_id), daemon=True,
                              name=f"allocation-run-{run_id}")
    thread.start()


def _thread_main(app: Flask, run_id: int) -> None:
    with app.app_context():
        try:
            execute(run_id)
        except Exception:
            logs.exception(current_app.logger, "Allocation run %s failed", run_id)
        finally:
            db.session.remove()


def latest_successful_run(round_: Round) -> AllocationRun | None:
    return db.session.scalar(sa.select(AllocationRun).where(
        AllocationRun.round_id == round_.id, AllocationRun.status == RunStatus.SUCCEEDED)
        .order_by(AllocationRun.id.desc()).limit(1))


def publish(round_: Round, user=None) -> int:
    """Send the offers of the latest run; returns how many went out."""
    run = latest_successful_run(round_)
    if run is None:
        raise RunError("no_run")
    round_.move_to(RoundState.PUBLISHED)
    proposed = db.session.scalars(sa.select(Placement).where(
        Placement.run_id == run.id, Placement.state == PlacementState.PROPOSED)).all()
    for placement in proposed:
        placements.make_offer(placement, round_.reply_days)
    _tell_unplaced(run, round_)
    run.published_at = utcnow()
    audit.record("round.published", round_, actor=user, run_id=run.id, offers=len(proposed))
    return len(proposed)


def _tell_unplaced(run: AllocationRun, round_: Round) -> None:
    """At the round's first publishing, youths who got nothing hear that too (later runs
    only fill freed places: those youths have been told already)."""
    from ..models import YouthProfile

    if published_runs(round_):
        return
    for entry in run.result["unplaced"]:
        placements.tell_no_place(
            db.session.get(YouthProfile, problems.key_id(entry["youth"])), round_)


def published_runs(round_: Round) -> list[AllocationRun]:
    """The runs whose offers went out, newest first."""
    return list(db.session.scalars(sa.select(AllocationRun).where(
        AllocationRun.round_id == round_.id, AllocationRun.published_at.is_not(None))
        .order_by(AllocationRun.id.desc())))
