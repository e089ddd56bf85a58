"""The RQ worker and its work horse killed (SIGKILL) in the middle of an allocation run.

Nobody is left to mark the run failed, so the run's heartbeat must: within
``RUN_STALE_AFTER`` seconds (plus a margin for a busy machine) the progress the run page
polls says ``failed`` by itself, the round is still closed with nothing of that run in
it, and once a worker is back a new run succeeds.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from youth_app.allocation import services as allocation
from youth_app.extensions import db
from youth_app.identity import with_check_digit
from youth_app.models import (AllocationMode, Application, Offer, OfferKind, OfferStatus,
                              Placement, Round, RoundState, YouthProfile)

from .. import factories
from . import runs, seeds
from .harness import HarnessError

STALE_AFTER = 5
#: What a busy two-core machine may add to noticing a stale run.
MARGIN = 25
#: Enough for a run of several seconds (the optimiser, PuLP and HiGHS on 2 cores).
YOUTHS, OFFERS = 6000, 300
JOB_PERIODS = [[f"2027-W{w}" for w in weeks] for weeks in ((26, 27, 28), (29, 30, 31), (32, 33))]


@pytest.fixture(scope="module")
def site(serve, redis_url):
    return serve(workers=2, redis_url=redis_url, rq_worker=True,
                 settings={"RUN_STALE_AFTER": str(STALE_AFTER), "RUN_HEARTBEAT_EVERY": "1"})


def _offer_rows(rng: random.Random, organisation_id: int, round_id: int) -> list[dict]:
    rows = []
    for number in range(OFFERS):
        job = rng.random() < 0.55
        start = rng.randint(26, 32)
        rows.append(dict(
            organisation_id=organisation_id, round_id=round_id,
            kind=OfferKind.JOB if job else OfferKind.ACTIVITY, title=f"Plats {number}",
            capacity=rng.randint(2, 18), min_age=rng.choice((15, 16)) if job else 13,
            max_age=19, status=OfferStatus.PUBLISHED, allocation_mode=AllocationMode.ROUND,
            weeks=rng.choice(JOB_PERIODS) if job else [f"2027-W{start}", f"2027-W{start + 1}"]))
    return rows


def _youth_rows(district_id: int) -> list[dict]:
    rows = []
    for number in range(YOUTHS):
        born = date(2008, 1, 1) + timedelta(days=number % 2000)  # 14 to 19 years old
        digits = with_check_digit(f"{born:%y%m%d}{number // 2000 + 100:03d}")
        rows.append(dict(first_name=f"Ung{number}", last_name="Bulk", date_of_birth=born,
                         personal_number=f"{born.year // 100}{digits}",
                         district_id=district_id, resident=True))
    return rows


def _applications(rng: random.Random, round_id: int, youth_ids, offer_ids) -> list[dict]:
    weights = [1 / (position + 1) ** 0.8 for position in range(len(offer_ids))]
    rows = []
    for youth_id in youth_ids:
        chosen: list[int] = []
        while len(chosen) < 5:
            offer_id = rng.choices(offer_ids, weights)[0]
            if offer_id not in chosen:
                chosen.append(offer_id)
        rows.extend(dict(round_id=round_id, youth_id=youth_id, offer_id=o, rank=r)
                    for r, o in enumerate(chosen, start=1))
    return rows


def _insert(model, rows: list[dict]) -> list[int]:
    return list(db.session.scalars(sa.insert(model).returning(model.id), rows))


def _big_closed_round():
    """A closed round of a few thousand youths, inserted in bulk (not one ORM object at
    a time, which would take minutes)."""
    rng = random.Random(9)
    round_ = seeds.round_()
    organisation = factories.organisation()
    district = factories.district()
    db.session.flush()
    offer_ids = _insert(Offer, _offer_rows(rng, organisation.id, round_.id))
    youth_ids = _insert(YouthProfile, _youth_rows(district.id))
    db.session.execute(sa.insert(Application), _applications(rng, round_.id, youth_ids,
                                                             offer_ids))
    allocation.close(round_)
    return round_.id, seeds.administrator()


def _state_and_placements(site, round_id: int, run_id: int):
    with site.reading() as session:
        state = session.get(Round, round_id).state
        placed = session.scalar(sa.select(sa.func.count(Placement.id)).where(
            Placement.run_id == run_id))
    return state, placed


def test_a_run_whose_worker_was_killed_fails_by_itself(site):
    round_id, account = site.seed(_big_closed_round)
    (admin,) = site.logged_in([account])
    run_id = runs.start_run(site, admin, round_id)
    seen = runs.wait_for_status(site, admin, run_id, ("running", "succeeded", "failed"), 180)
    assert seen["status"] == "running", f"the run never ran: {seen}\n{site.log_tail()}"
    site.worker.kill_with_horse()
    after_kill = runs.progress(site, admin, run_id)
    if after_kill["status"] != "running":
        raise HarnessError(f"the run ended before its worker was killed ({after_kill}): "
                           "give the seed more youths")

    seen = runs.wait_for_status(site, admin, run_id, ("failed", "succeeded", "cancelled"),
                                STALE_AFTER + MARGIN)
    assert seen["status"] == "failed", (
        f"{STALE_AFTER + MARGIN} s after its worker was killed the run says {seen}")
    assert _state_and_placements(site, round_id, run_id) == (RoundState.CLOSED, 0)

    site.start_rq_worker()
    again = runs.start_run(site, admin, round_id)
    assert runs.finished(site, admin, again)["status"] == "succeeded", site.log_tail()
    state, placed = _state_and_placements(site, round_id, again)
    assert state is RoundState.ALLOCATED and placed > 0
    assert _state_and_placements(site, round_id, run_id)[1] == 0
