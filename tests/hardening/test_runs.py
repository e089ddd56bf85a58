"""A run whose worker died does not stay "running" for ever (issue 9, item 7)."""
from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

import matching
from youth_app.allocation import services as allocation
from youth_app.extensions import db
from youth_app.models import (AllocationRun, Application, OfferKind, Placement, Role, Round,
                              RoundState, RunStatus, utcnow)

from .. import factories

pytestmark = pytest.mark.hardening


@pytest.fixture
def closed_round(app):
    with app.app_context(), app.test_request_context():
        round_ = factories.round_(state=RoundState.OPEN)
        offer = factories.offer(round=round_, kind=OfferKind.ACTIVITY, capacity=2,
                                weeks=["2027-W30"], min_age=13, max_age=19)
        for _ in range(3):
            youth = factories.user(Role.YOUTH).youth_profile
            youth.date_of_birth = date(2011, 1, 1)
            db.session.add(Application(round=round_, youth=youth, offer=offer, rank=1))
        allocation.close(round_)
        db.session.commit()
        return round_.id


def _start(round_id: int) -> int:
    run = allocation.start_run(db.session.get(Round, round_id))
    db.session.commit()
    return run.id


def test_a_run_whose_worker_died_fails_by_itself_and_can_run_again(app, client_as,
                                                                  closed_round, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    with app.app_context():
        run_id = _start(closed_round)
        run = db.session.get(AllocationRun, run_id)
        run.status = RunStatus.RUNNING  # a worker took it ... and was killed
        run.heartbeat_at = utcnow() - app.config["RUN_STALE_AFTER"] - timedelta(seconds=1)
        db.session.commit()
    admin = client_as(Role.ADMINISTRATOR)
    progress = admin.get(f"/admin/runs/{run_id}/progress.json").get_json()
    assert progress["status"] == "failed" and progress["error"]
    page = admin.get(f"/admin/runs/{run_id}", headers={"Accept-Language": "en"})
    assert "Its worker stopped" in page.get_data(as_text=True)
    again = admin.post(f"/admin/rounds/{closed_round}/runs")
    assert again.status_code == 302
    with app.app_context():
        newest = db.session.scalar(sa.select(AllocationRun).order_by(AllocationRun.id.desc()))
        assert newest.id != run_id and newest.status is RunStatus.SUCCEEDED
        assert db.session.get(Round, closed_round).state is RoundState.ALLOCATED


def test_a_live_run_is_not_declared_dead(app, client_as, closed_round):
    with app.app_context():
        run_id = _start(closed_round)
        run = db.session.get(AllocationRun, run_id)
        run.status, run.heartbeat_at = RunStatus.RUNNING, utcnow()
        db.session.commit()
    progress = client_as(Role.ADMINISTRATOR).get(f"/admin/runs/{run_id}/progress.json")
    assert progress.get_json()["status"] == "running"


def test_the_worker_beats_while_it_solves(app, closed_round, monkeypatch):
    real_solve = matching.solve

    def slow_solve(*args, **kwargs):
        time.sleep(0.6)
        return real_solve(*args, **kwargs)

    monkeypatch.setattr(matching, "solve", slow_solve)
    monkeypatch.setitem(app.config, "RUN_HEARTBEAT_EVERY", 0.1)
    with app.app_context():
        run_id = _start(closed_round)
        queued_beat = db.session.get(AllocationRun, run_id).heartbeat_at
        allocation.execute(run_id)
        db.session.expire_all()
        run = db.session.get(AllocationRun, run_id)
        assert run.status is RunStatus.SUCCEEDED
        assert run.heartbeat_at > queued_beat + timedelta(seconds=0.4)


def test_a_result_that_comes_after_the_run_was_given_up_is_thrown_away(app, closed_round,
                                                                        monkeypatch):
    real_solve = matching.solve

    def solve_while_declared_dead(*args, **kwargs):
        with db.engine.begin() as connection:
            connection.execute(sa.update(AllocationRun).values(status=RunStatus.FAILED,
                                                               error="worker_stopped"))
        return real_solve(*args, **kwargs)

    monkeypatch.setattr(matching, "solve", solve_while_declared_dead)
    with app.app_context():
        run_id = _start(closed_round)
        allocation.execute(run_id)
        db.session.expire_all()
        assert db.session.get(AllocationRun, run_id).status is RunStatus.FAILED
        assert db.session.scalar(sa.select(sa.func.count(Placement.id))) == 0
        assert db.session.get(Round, closed_round).state is RoundState.CLOSED


def test_a_stopped_run_keeps_nothing_even_if_its_worker_finishes(app, closed_round,
                                                                 monkeypatch):
    real_solve, solved = matching.solve, []

    def solve_while_stopped(*args, **kwargs):
        solved.append(kwargs.get("method"))
        if len(solved) == 1:  # the run itself, not the review's baseline and other rule
            with app.app_context():
                allocation.stop(db.session.get(AllocationRun, run_id))
                db.session.commit()
        return real_solve(*args, **kwargs)

    monkeypatch.setattr(matching, "solve", solve_while_stopped)
    with app.app_context():
        run_id = _start(closed_round)
        allocation.execute(run_id)
        db.session.expire_all()
        assert db.session.get(AllocationRun, run_id).status is RunStatus.CANCELLED
        assert db.session.scalar(sa.select(sa.func.count(Placement.id))) == 0
