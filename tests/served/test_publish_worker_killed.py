"""The RQ worker and its work horse killed (SIGKILL) while it sends a round's offers.

The batches it committed stay (offers made, their e-mails in the outbox), the round stays
published, and once its heartbeat has stopped for ``RUN_STALE_AFTER`` seconds "Continue
sending the offers" hands the job to a new worker, which makes the rest: every youth ends
with one offer and one offer e-mail.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.identity import with_check_digit
from youth_app.models import (AllocationMode, AllocationRun, AuditEvent, BackgroundJob,
                              JobKind, JobStatus, Offer, OfferKind, OfferStatus,
                              OutgoingMessage, Placement, PlacementState, Role, Round,
                              RoundState, RunStatus, User, YouthProfile, utcnow)

from .. import factories
from . import seeds
from .harness import HarnessError, wait_until

STALE_AFTER = 5
#: What a busy two-core machine may add to noticing a stale job.
MARGIN = 40
#: Enough batches (500 offers each) to kill the worker between two of them.
YOUTHS, OFFERS = 6000, 300
JOB_PAGE = re.compile(r"/admin/jobs/(\d+)$")


@pytest.fixture(scope="module")
def site(serve, redis_url):
    return serve(workers=2, redis_url=redis_url, rq_worker=True,
                 settings={"RUN_STALE_AFTER": str(STALE_AFTER)})


def _insert(model, rows: list[dict]) -> list[int]:
    return list(db.session.scalars(sa.insert(model).returning(model.id), rows))


def _allocated_round():
    """A round whose latest run proposes one place to each of a few thousand youths
    (inserted in bulk: the optimiser is not what this test is about)."""
    round_ = seeds.round_(state=RoundState.ALLOCATED)
    organisation = factories.organisation()
    db.session.flush()
    offer_ids = _insert(Offer, [dict(
        organisation_id=organisation.id, round_id=round_.id, kind=OfferKind.ACTIVITY,
        title=f"Plats {n}", capacity=YOUTHS // OFFERS, min_age=13, max_age=19,
        status=OfferStatus.PUBLISHED, allocation_mode=AllocationMode.ROUND,
        weeks=["2027-W30"]) for n in range(OFFERS)])
    user_ids = _insert(User, [dict(email=f"bulk{n}@example.org", password_hash="x",
                                   role=Role.YOUTH) for n in range(YOUTHS)])
    youth_ids = []
    for number, user_id in enumerate(user_ids):
        born = date(2006, 1, 1) + timedelta(days=number % 700)  # of age: no consents
        digits = with_check_digit(f"{born:%y%m%d}{number // 700 + 100:03d}")
        youth_ids.append(dict(user_id=user_id, first_name=f"Ung{number}", last_name="Bulk",
                              date_of_birth=born, personal_number=f"{born.year // 100}{digits}"))
    youth_ids = _insert(YouthProfile, youth_ids)
    run = AllocationRun(round_id=round_.id, status=RunStatus.SUCCEEDED, problem={},
                        result={"assignments": [], "unplaced": []}, finished_at=utcnow())
    db.session.add(run)
    db.session.flush()
    db.session.execute(sa.insert(Placement), [dict(
        round_id=round_.id, run_id=run.id, youth_id=youth_id,
        offer_id=offer_ids[n % OFFERS], rank=1, state=PlacementState.PROPOSED)
        for n, youth_id in enumerate(youth_ids)])
    return round_.id, seeds.administrator()


def _job(site, job_id: int) -> BackgroundJob:
    with site.reading() as session:
        return session.get(BackgroundJob, job_id)


def test_a_publish_whose_worker_was_killed_is_continued_without_mailing_twice(site):
    round_id, account = site.seed(_allocated_round)
    (admin,) = site.logged_in([account])
    admin.read_csrf(site.path("rounds.confirm_publish", round_id=round_id))
    response = admin.post(site.path("rounds.step", round_id=round_id, action="publish"))
    found = JOB_PAGE.search(response.url)
    assert response.status_code == 200 and found, f"{response.status_code} {response.url}"
    job_id = int(found.group(1))
    wait_until(lambda: _job(site, job_id).done > 0, 120, "the first batch of offers")
    site.worker.kill_with_horse()
    killed = _job(site, job_id)
    if killed.status is not JobStatus.RUNNING or killed.done >= killed.total:
        raise HarnessError(f"the job ended before its worker was killed ({killed.done} of "
                           f"{killed.total}): give the seed more youths")
    with site.reading() as session:
        assert session.get(Round, round_id).state is RoundState.PUBLISHED

    wait_until(lambda: _job(site, job_id).heartbeat_at < utcnow() - timedelta(
        seconds=STALE_AFTER + 1), STALE_AFTER + MARGIN, "the job's heartbeat to go stale")
    site.start_rq_worker()
    page = admin.get(site.path("rounds.job", job_id=job_id))
    assert site.text("Continue sending the offers") in page.text
    admin.read_csrf(site.path("rounds.job", job_id=job_id))
    admin.post(site.path("rounds.resume_job", job_id=job_id))
    wait_until(lambda: _job(site, job_id).status is JobStatus.SUCCEEDED, 180,
               "the continued job to finish")

    with site.reading() as session:
        offered = session.scalar(sa.select(sa.func.count(Placement.id)).where(
            Placement.round_id == round_id, Placement.state == PlacementState.OFFERED))
        mails = Counter(session.scalars(sa.select(OutgoingMessage.user_id).where(
            OutgoingMessage.kind.like("placement.offered%"))))
        published = session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "round.published"))
        assert session.scalar(sa.select(sa.func.count(BackgroundJob.id)).where(
            BackgroundJob.kind == JobKind.PUBLISH)) == 1
    assert offered == YOUTHS
    assert len(mails) == YOUTHS and set(mails.values()) == {1}, "one offer e-mail each"
    assert published == 1
