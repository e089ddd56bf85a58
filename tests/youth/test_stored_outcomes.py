"""Each youth's outcome is stored with the run: the youth's pages read one row, tell the
same as the whole run's explanation, and cost the same however many youths applied."""
from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa

import matching
from youth_app.allocation import explain, figures, outcomes
from youth_app.allocation import services as allocation
from youth_app.extensions import db
from youth_app.models import (AllocationRun, ApartGroup, ApartMember, Application, OfferKind,
                              Override, OverrideKind, Placement, PlacementState,
                              PriorityGroup, PriorityMembership, Role,
                              RoundPseudonym, RunYouthResult, User, YouthProfile)

from .. import factories

pytestmark = pytest.mark.youth

PERIODS = (["2027-W25", "2027-W26"], ["2027-W27", "2027-W28"], ["2027-W26", "2027-W27"])


def generated_round(youths: int, seed: int = 3, me: YouthProfile | None = None):
    """A round where every rule bites: small offers (full), jobs in overlapping weeks
    (week_conflict, job_limit), age limits, forbidden pairs and apart groups."""
    rng = random.Random(seed)
    round_ = factories.round_(policy={"max_places_per_youth": 2, "max_jobs_per_youth": 1,
                                      "priority_tiers": ["targeted"], "priority_ranks": True})
    offers = [factories.offer(round=round_, title=f"Erbjudande {i}",
                              kind=OfferKind.JOB if i % 2 else OfferKind.ACTIVITY,
                              capacity=rng.randint(1, 3), min_age=rng.choice((13, 15, 16)),
                              max_age=rng.choice((17, 19)), weeks=rng.choice(PERIODS))
              for i in range(max(4, youths // 8))]
    people = [factories.youth_profile(born=date(rng.randint(2008, 2013), 3, 1))
              for _ in range(youths)]
    group = PriorityGroup(code="targeted", name="SECRET-GROUP")
    for youth in people:
        for rank, offer in enumerate(rng.sample(offers, rng.randint(1, 4)), start=1):
            db.session.add(Application(round=round_, youth=youth, offer=offer, rank=rank))
        if rng.random() < 0.1:
            db.session.add(PriorityMembership(group=group, youth=youth))
    db.session.flush()
    for a, b in zip(people[::7], people[1::7]):
        db.session.add(ApartGroup(round_id=round_.id, members=[ApartMember(youth_id=a.id),
                                                                ApartMember(youth_id=b.id)]))
    for youth in people[::11]:
        db.session.add(Override(round_id=round_.id, youth_id=youth.id, offer_id=offers[0].id,
                                kind=OverrideKind.FORBID, reason="Tackade nej förut"))
    if me is not None:  # the logged-in youth: one place of their own, one full first choice
        mine = factories.offer(round=round_, title="Mitt eget", kind=OfferKind.ACTIVITY,
                               capacity=1, min_age=13, max_age=19, weeks=["2027-W31"])
        me.date_of_birth = date(2011, 1, 1)
        db.session.add_all([Application(round=round_, youth=me, offer=offers[1], rank=1),
                            Application(round=round_, youth=me, offer=mine, rank=2)])
        offers[1].capacity, offers[1].min_age, offers[1].max_age = 1, 13, 19
        db.session.add(Override(round_id=round_.id, youth_id=people[0].id, offer_id=offers[1].id,
                                kind=OverrideKind.LOCK, reason="Beslut"))
    db.session.flush()
    return round_


def run_and_publish(round_, method: str = "optimal") -> AllocationRun:
    allocation.close(round_)
    run = allocation.start_run(round_, method=method)
    db.session.commit()
    allocation.execute(run.id)
    allocation.publish(db.session.merge(round_))
    db.session.commit()
    return db.session.get(AllocationRun, run.id)


def test_stored_outcomes_tell_what_the_whole_run_tells(app, app_context):
    with app.test_request_context():
        round_ = generated_round(80)
        run = run_and_publish(round_)
        problem = matching.load_problem(run.solved_problem)
        result = matching.load_result(run.solved_result)
        rows = {r.key: r for r in db.session.scalars(sa.select(RunYouthResult).where(
            RunYouthResult.run_id == run.id))}
        assert set(rows) == {y.id for y in problem.youths}
        seen = set()
        for key, row in rows.items():
            told = matching.explain(problem, result, key)
            assert (row.lottery_number, row.lottery_size) == (told.lottery, len(result.lottery))
            assert row.placements == [{"offer": int(a.offer[1:]), "rank": a.rank}
                                      for a in told.placements]
            assert row.choices == [{"offer": int(c.offer[1:]), "rank": c.rank, "got": c.got,
                                    "reasons": list(c.reasons)} for c in told.choices]
            assert row.tier == told.tier
            seen.update(r for c in told.choices for r in c.reasons)
        assert {k for k, r in rows.items() if r.unplaced} == {u.youth for u in result.unplaced}
        assert {"full", "too_young", "week_conflict", "forbidden"} <= seen
        youths = db.session.scalars(sa.select(YouthProfile).join(
            RoundPseudonym, RoundPseudonym.youth_id == YouthProfile.id).where(
            RoundPseudonym.round_id == round_.id)).all()
        assert len(youths) == 80
        for youth in youths:
            assert explain.for_youth(youth, round_) == explain._from_whole_run(youth, round_, run)


def test_staff_pages_tell_from_stored_outcomes_what_the_whole_run_tells(app, app_context):
    """A youth's explanation for staff, and the run review with its unplaced youths and
    the places a second run gave and took (counted when it finished), are the same read
    from the stored outcomes as counted from the whole runs (which is how runs stored before them are read)."""
    with app.test_request_context():
        round_ = generated_round(60, seed=5)
        first = run_and_publish(round_)
        db.session.execute(sa.update(Placement).where(Placement.id.in_(
            sa.select(Placement.id).where(Placement.run_id == first.id).limit(6))).values(
            state=PlacementState.DECLINED))
        second = allocation.start_run(round_)
        db.session.commit()
        allocation.execute(second.id)
        gone = db.session.scalar(sa.select(Placement.youth_id).where(
            Placement.run_id == first.id).order_by(Placement.id.desc()).limit(1))
        db.session.execute(sa.delete(YouthProfile).where(YouthProfile.id == gone))  # cascades
        db.session.expire_all()
        assert db.session.scalar(sa.select(sa.func.count()).where(
            RunYouthResult.youth_id.is_(None))) == 2  # one row in each run names nobody
        references = [f"Y{i}" for i in db.session.scalars(sa.select(RoundPseudonym.youth_id))]
        runs = [first, db.session.get(AllocationRun, second.id)]

        def everything():
            return ([figures.run_review(run, viewer, unknown="?") for run in runs
                     for viewer in figures.Viewer],
                    [explain.for_staff(run, ref, social_services=ss) for run in runs
                     for ref in references for ss in (True, False)])

        assert runs[1].review["changes"]["since"] == first.id  # counted when it finished
        stored = everything()
        db.session.execute(sa.delete(RunYouthResult))
        assert not outcomes.stored(first.id)
        runs[1].review = {k: v for k, v in runs[1].review.items() if k != "changes"}
        whole = everything()
        assert stored == whole
        assert any(review.unplaced for review in whole[0])
        assert any(review.added or review.removed for review in whole[0])


def test_a_run_stored_before_outcomes_were_kept_is_read_whole(app, app_context):
    with app.test_request_context():
        round_ = generated_round(20)
        run = run_and_publish(round_)
        youth = db.session.scalar(sa.select(YouthProfile).join(
            RoundPseudonym, RoundPseudonym.youth_id == YouthProfile.id).limit(1))
        stored = explain.for_youth(youth, round_)
        db.session.execute(sa.delete(RunYouthResult))
        assert not outcomes.stored(run.id)
        assert explain.for_youth(youth, round_) == stored is not None


def test_a_youth_outside_the_run_has_no_result(app, app_context):
    with app.test_request_context():
        round_ = generated_round(10)
        run_and_publish(round_)
        assert explain.for_youth(factories.youth_profile(), round_) is None


@contextmanager
def statements():
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


WHOLE_RUN = ("allocation_run.problem", "allocation_run.result", "allocation_run.review",
             "round.closing_problem")


def _youth_pages(app, client_as, users, youths: int) -> dict[str, list[str]]:
    with app.app_context(), app.test_request_context():
        me = db.session.get(User, users[Role.YOUTH].id).youth_profile
        round_ = generated_round(youths, me=me)
        run_and_publish(round_, method="stable")
        round_id = round_.id
    client = client_as(Role.YOUTH)
    issued = {}
    for url in ("/youth/", f"/youth/rounds/{round_id}/result"):
        client.get(url)  # the first request of a client may load more (its session)
        with app.app_context(), statements() as seen:
            page = client.get(url)
        assert page.status_code == 200
        issued[url.replace(str(round_id), "R")] = seen
    assert "Mitt eget" in page.get_data(as_text=True)
    return issued


@pytest.mark.parametrize("youths", [50, 500])
def test_a_youths_pages_never_read_the_whole_run(app, client_as, users, youths):
    for url, seen in _youth_pages(app, client_as, users, youths).items():
        assert not [s for s in seen if any(column in s for column in WHOLE_RUN)], url


def test_a_youths_pages_issue_as_many_statements_at_any_size(app, client_as, users):
    from ..conftest import clean_database

    small = _youth_pages(app, client_as, users, 50)
    with app.app_context():
        db.session.remove()
        clean_database()
    users.update({role: ref for role, ref in _users(app).items()})
    large = _youth_pages(app, client_as, users, 500)
    assert {url: len(seen) for url, seen in small.items()} == \
        {url: len(seen) for url, seen in large.items()}


def _users(app):
    with app.app_context():
        made = factories.one_user_per_role()
        db.session.commit()
        return {role: factories.UserRef(user.id, user.email, role, user.totp_secret)
                for role, user in made.items()}


def test_the_progress_poll_reads_no_document_of_the_run(app, client_as):
    with app.app_context(), app.test_request_context():
        run = run_and_publish(generated_round(20))
        run_id = run.id
    client = client_as(Role.ADMINISTRATOR)
    client.get(f"/admin/runs/{run_id}/progress.json")
    with app.app_context(), statements() as seen:
        answer = client.get(f"/admin/runs/{run_id}/progress.json")
    assert answer.get_json()["status"] == "succeeded"
    assert any("FROM allocation_run" in s for s in seen)
    assert not [s for s in seen if any(column in s for column in WHOLE_RUN)]


def test_the_season_report_counts_from_the_rows_as_from_the_whole_problem(app, app_context):
    """The report reads each youth's groups from their row (not the run's problem: a
    city's took 2.2 s at 20,000 youths); the counts are the same either way."""
    with app.test_request_context():
        round_ = generated_round(80)
        run = run_and_publish(round_)
        round_ = db.session.merge(round_)
        with statements() as seen:
            from_rows = figures.season(round_, run)
        assert not [s for s in seen if "allocation_run.problem" in s], "no whole problem read"
        db.session.execute(sa.update(RunYouthResult).where(RunYouthResult.run_id == run.id)
                           .values(groups=None))  # as a run stored before the groups
        from_problem = figures.season(round_, db.session.merge(run))
    assert from_rows == from_problem and sum(r.applied or 0 for r in from_rows["district"]) > 0
