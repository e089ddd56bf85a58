"""From a closed round to published offers, through the real optimiser."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
import sqlalchemy as sa

from youth_app.allocation import problem as problems
from youth_app.allocation import services as allocation
from youth_app.extensions import db
from youth_app.models import (AllocationRun, Application, OfferKind, Placement, PlacementState,
                              PriorityGroup, PriorityMembership, RoundState, RunStatus)

from .. import factories

pytestmark = pytest.mark.staff


@pytest.fixture
def round_with_applications(app, app_context):
    """Three youths want one job with one place; the flagged youth must get it."""
    with app.test_request_context():
        round_ = factories.round_(policy={"max_places_per_youth": 1, "max_jobs_per_youth": 1,
                                          "priority_tiers": ["targeted"],
                                          "priority_ranks": True})
        job = factories.offer(round=round_, kind=OfferKind.JOB, capacity=1, min_age=13,
                              max_age=19)
        activity = factories.offer(round=round_, kind=OfferKind.ACTIVITY, capacity=5,
                                   min_age=13, max_age=19, weeks=["2027-W30"])
        youths = [factories.user(factories.Role.YOUTH).youth_profile for _ in range(3)]
        for youth in youths:
            youth.date_of_birth = date(2011, 1, 1)
            db.session.add(Application(round=round_, youth=youth, offer=job, rank=1))
        db.session.add(Application(round=round_, youth=youths[0], offer=activity, rank=2))
        targeted = PriorityGroup(code="targeted", name="Målgrupp")
        db.session.add(PriorityMembership(group=targeted, youth=youths[2]))
        db.session.flush()
        yield round_, job, activity, youths


def run_once(round_):
    """Start a run of the round (closing it first if needed) and solve it."""
    if round_.state is RoundState.OPEN:
        allocation.close(round_)
    run = allocation.start_run(round_)
    db.session.commit()
    allocation.execute(run.id)
    return run


def test_problem_has_no_names_or_numbers(round_with_applications):
    round_, _job, _activity, youths = round_with_applications
    text = json.dumps(problems.build(round_, seed=7))
    for youth in youths:
        assert youth.first_name not in text and youth.personal_number not in text
    assert '"groups": ["first_time", "targeted"]' in text


def test_run_and_publish(app, round_with_applications):
    round_, job, activity, youths = round_with_applications
    with app.test_request_context():
        run = run_once(round_)
        assert run.status is RunStatus.SUCCEEDED and round_.state is RoundState.ALLOCATED
        placed = {(p.youth_id, p.offer_id) for p in db.session.scalars(sa.select(Placement))}
        assert placed == {(youths[2].id, job.id), (youths[0].id, activity.id)}
        assert allocation.publish(round_) == 2
        states = {p.state for p in db.session.scalars(sa.select(Placement))}
        assert states == {PlacementState.OFFERED}
        assert allocation.fingerprint(round_.lottery_seed) == round_.seed_fingerprint


def test_stored_result_passes_the_independent_check(app, round_with_applications, tmp_path):
    round_, *_ = round_with_applications
    with app.test_request_context():
        run = run_once(round_)
        (tmp_path / "p.json").write_text(json.dumps(run.problem))
        (tmp_path / "r.json").write_text(json.dumps(run.result))
    check = subprocess.run([sys.executable, "-m", "matching", "check", tmp_path / "p.json",
                            tmp_path / "r.json"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_crash_in_the_middle_of_a_run_changes_nothing_published(
        app, round_with_applications, monkeypatch):
    round_, *_ = round_with_applications
    with app.test_request_context():
        run_once(round_)
        allocation.publish(round_)
        db.session.commit()
        before = sorted((p.id, p.state.value) for p in db.session.scalars(sa.select(Placement)))

        def crash(*args, **kwargs):
            raise RuntimeError("solver died")

        monkeypatch.setattr("matching.solve", crash)
        second = allocation.start_run(round_)
        db.session.commit()
        with pytest.raises(RuntimeError):
            allocation.execute(second.id)
        db.session.expire_all()
        after = sorted((p.id, p.state.value) for p in db.session.scalars(sa.select(Placement)))
        assert after == before
        assert db.session.get(AllocationRun, second.id).status is RunStatus.FAILED
        assert round_.state is RoundState.PUBLISHED


def test_second_run_keeps_accepted_places_and_fills_freed_ones(app, round_with_applications):
    round_, job, activity, youths = round_with_applications
    with app.test_request_context():
        run_once(round_)
        allocation.publish(round_)
        offered = {p.youth_id: p for p in db.session.scalars(sa.select(Placement))}
        offered[youths[2].id].state = PlacementState.DECLINED  # the job is free again
        offered[youths[0].id].state = PlacementState.ACCEPTED
        db.session.commit()
        second = run_once(round_)
        new = db.session.scalars(sa.select(Placement).where(Placement.run_id == second.id)).all()
        assert [(p.offer_id, p.youth_id in (youths[0].id, youths[1].id)) for p in new] == \
            [(job.id, True)]
        assert allocation.publish(round_) == 1


def test_youths_without_a_place_are_told_once(app, round_with_applications):
    from youth_app.models import OutgoingMessage

    round_, job, activity, youths = round_with_applications
    with app.test_request_context():
        for _ in range(2):
            run_once(round_)
            allocation.publish(round_)
            db.session.commit()
        told = db.session.scalars(sa.select(OutgoingMessage.recipient).where(
            OutgoingMessage.kind == "placement.none")).all()
    assert told == [youths[1].private_email or youths[1].user.email]


def test_a_stopped_run_keeps_nothing(app, round_with_applications, monkeypatch):
    from youth_app.models import RunStatus

    round_, *_ = round_with_applications
    with app.test_request_context():
        allocation.close(round_)
        run = allocation.start_run(round_)
        db.session.commit()
        run_id, real_solve = run.id, allocation.matching.solve

        def stopped_meanwhile(*args, **kwargs):
            result = real_solve(*args, **kwargs)
            with db.engine.begin() as connection:  # the administrator presses "Stop"
                connection.execute(sa.update(AllocationRun).where(AllocationRun.id == run_id)
                                   .values(status=RunStatus.CANCELLED.value))
            return result

        monkeypatch.setattr(allocation.matching, "solve", stopped_meanwhile)
        allocation.execute(run.id)
        assert db.session.get(AllocationRun, run.id).status is RunStatus.CANCELLED
        assert db.session.scalar(sa.select(sa.func.count(Placement.id))) == 0
        assert round_.state is RoundState.CLOSED
        with pytest.raises(allocation.RunError):
            allocation.stop(run)


def test_automatic_groups_come_from_earlier_rounds(app_context):
    last_year = factories.round_(name="2026", reference_date=date(2026, 6, 15))
    this_year = factories.round_(name="2027", reference_date=date(2027, 6, 15))
    old_job = factories.offer(round=last_year, min_age=13, max_age=19)
    new_job = factories.offer(round=this_year, min_age=13, max_age=19)
    got_nothing, got_a_place, new = (factories.youth_profile(born=date(2011, 1, d))
                                     for d in (1, 2, 3))
    for youth in (got_nothing, got_a_place):
        db.session.add(Application(round=last_year, youth=youth, offer=old_job, rank=1))
    db.session.add(Placement(round=last_year, youth=got_a_place, offer=old_job, rank=1,
                             state=PlacementState.ACCEPTED))
    for youth in (got_nothing, got_a_place, new):
        db.session.add(Application(round=this_year, youth=youth, offer=new_job, rank=1))
    db.session.flush()
    groups = {y["id"]: y["groups"] for y in problems.build(this_year, seed=1)["youths"]}
    keys = problems.youth_keys(this_year.id, [])
    assert groups == {keys[got_nothing.id]: ["no_previous_placement"],
                      keys[got_a_place.id]: [], keys[new.id]: ["first_time"]}
