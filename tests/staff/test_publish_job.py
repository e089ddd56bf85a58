"""Publishing is a background job: offers made in committed batches with their e-mails,
continued after a crash without mailing anyone twice, one job at a time per round, and a
page that follows it."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, ngettext

from youth_app import background, clock, jobs
from youth_app.allocation import publishing
from youth_app.extensions import db
from youth_app.models import (Application, AuditEvent, BackgroundJob, JobKind, JobStatus,
                              OfferKind, OutgoingMessage, Placement, PlacementState, Role,
                              Round, RoundState, utcnow)

from .. import factories
from .test_allocation import run_once

pytestmark = pytest.mark.staff

#: Applicants of one activity with ``PLACES`` places: the rest are told "no place".
APPLICANTS, PLACES = 8, 5


@pytest.fixture
def allocated(app):
    """A round with a finished run of five proposals and three youths without a place."""
    with app.app_context(), app.test_request_context():
        round_ = factories.round_(state=RoundState.OPEN)
        offer = factories.offer(round=round_, kind=OfferKind.ACTIVITY, capacity=PLACES,
                                weeks=["2027-W30"], min_age=13, max_age=19)
        for _ in range(APPLICANTS):
            youth = factories.user(Role.YOUTH).youth_profile
            youth.date_of_birth = date(2011, 1, 1)
            db.session.add(Application(round=round_, youth=youth, offer=offer, rank=1))
        db.session.flush()
        run_once(round_)
        return round_.id


def _start(app, round_id: int) -> int:
    with app.test_request_context():
        job = publishing.start(db.session.get(Round, round_id))
        db.session.commit()
        return job.id


def _execute(app, job_id: int) -> None:
    with app.test_request_context():
        try:
            jobs.execute(job_id)
        finally:
            db.session.remove()


def _mails_by_youth(app, kind: str) -> Counter:
    with app.app_context():
        return Counter(db.session.scalars(sa.select(OutgoingMessage.user_id).where(
            OutgoingMessage.kind.like(f"{kind}%"))))


def _crash_at(monkeypatch, call: int) -> None:
    """The worker dies in its ``call``-th batch, before that batch is committed."""
    calls = []
    real = jobs.Batches.done

    def done(self, count, message, cursor=None):
        calls.append(message)
        if len(calls) == call:
            raise RuntimeError("killed")
        real(self, count, message, cursor)

    monkeypatch.setattr(jobs.Batches, "done", done)


@pytest.mark.parametrize("crash", [2, 5], ids=["while offering", "while telling no place"])
def test_a_publish_that_dies_half_way_goes_on_without_mailing_twice(
        app, allocated, monkeypatch, crash):
    monkeypatch.setattr(publishing, "BATCH", 2)  # offers: 2, 2, 1; no place: 2, 1
    job_id = _start(app, allocated)
    with app.app_context():
        assert db.session.get(Round, allocated).state is RoundState.PUBLISHED, "at once"
    _crash_at(monkeypatch, crash)
    with pytest.raises(RuntimeError):
        _execute(app, job_id)
    with app.app_context():
        job = db.session.get(BackgroundJob, job_id)
        assert job.status is JobStatus.FAILED and job.error == "RuntimeError"
        offered = db.session.scalar(sa.select(sa.func.count(Placement.id)).where(
            Placement.state == PlacementState.OFFERED))
        assert offered == min(2 * (crash - 1), PLACES), "the committed batches are kept"
        assert sum(_mails_by_youth(app, "placement.offered").values()) == offered
        assert db.session.get(Round, allocated).state is RoundState.PUBLISHED, "never back"
    monkeypatch.undo()
    monkeypatch.setattr(publishing, "BATCH", 2)
    with app.test_request_context():
        jobs.resume(db.session.get(BackgroundJob, job_id))
        db.session.commit()
    _execute(app, job_id)
    offers, nothing = _mails_by_youth(app, "placement.offered"), _mails_by_youth(
        app, "placement.none")
    assert len(offers) == PLACES and set(offers.values()) == {1}, "one offer e-mail each"
    assert len(nothing) == APPLICANTS - PLACES and set(nothing.values()) == {1}
    assert not set(offers) & set(nothing)
    with app.app_context():
        job = db.session.get(BackgroundJob, job_id)
        assert job.status is JobStatus.SUCCEEDED and job.done == job.total == APPLICANTS
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "round.published")) == 1
        assert publishing.mail_counts(job)["kept"] == APPLICANTS, "every e-mail is the job's"


def test_a_second_start_while_one_runs_makes_no_second_job(app, allocated):
    job_id = _start(app, allocated)
    with app.test_request_context():
        round_ = db.session.get(Round, allocated)
        assert publishing.start(round_) is None, "the run is claimed already"
        with pytest.raises(jobs.JobError) as refused:
            jobs.create(JobKind.PUBLISH, allocated)
        assert refused.value.code == "job_running"
        db.session.commit()
        assert db.session.scalars(sa.select(BackgroundJob.id).where(
            BackgroundJob.kind == JobKind.PUBLISH)).all() == [job_id]


def test_a_worker_whose_job_was_taken_up_again_stops(app, allocated):
    job_id = _start(app, allocated)
    with app.test_request_context():
        job = db.session.get(BackgroundJob, job_id)
        job.status, job.heartbeat_at = JobStatus.RUNNING, utcnow() - timedelta(hours=1)
        db.session.commit()
        old = jobs.Batches(job, commit=True)
        jobs.resume(job)  # the clock's doing: the first worker seemed dead
        db.session.commit()
        assert job.attempt == 2
        job.status = JobStatus.RUNNING
        db.session.commit()
        with pytest.raises(jobs.JobTakenOver):
            old.done(1, "offers:1")


def test_the_clock_takes_up_a_publish_whose_worker_died(app, allocated, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    job_id = _start(app, allocated)
    with app.app_context():
        job = db.session.get(BackgroundJob, job_id)
        job.status = JobStatus.RUNNING
        job.heartbeat_at = utcnow() - app.config["RUN_STALE_AFTER"] - timedelta(seconds=1)
        db.session.commit()
    task = next(t for t in clock.tasks(app) if t.name == "stale_jobs")
    assert clock.run_task(app, task) == 1
    assert clock.run_task(app, task) == 0, "taken up once"
    with app.app_context():
        assert db.session.get(BackgroundJob, job_id).status is JobStatus.SUCCEEDED
    assert sum(_mails_by_youth(app, "placement.offered").values()) == PLACES


def sv(app, singular: str, plural: str, num: int, **values) -> str:
    with app.test_request_context(), force_locale("sv"):
        return str(ngettext(singular, plural, num, **values))


def test_the_send_button_returns_at_once_and_leads_to_the_progress(
        app, client_as, allocated, monkeypatch):
    started = []
    monkeypatch.setattr(background, "start", lambda _app, task, row: started.append(row))
    admin = client_as(Role.ADMINISTRATOR)
    response = admin.post(f"/admin/rounds/{allocated}/publish")
    with app.app_context():
        job_id = db.session.scalar(sa.select(BackgroundJob.id).where(
            BackgroundJob.kind == JobKind.PUBLISH))
    assert response.status_code == 302 and started == [job_id]
    assert response.headers["Location"].endswith(f"/admin/jobs/{job_id}")
    assert _mails_by_youth(app, "placement") == Counter(), "nothing sent in the request"
    page = unescape(admin.get(f"/admin/jobs/{job_id}").get_data(as_text=True))
    assert sv(app, "%(num)d of %(total)d offer made.", "%(num)d of %(total)d offers made.",
              0, total=PLACES) in page
    assert f'data-progress-url="/admin/jobs/{job_id}/progress.json"' in page
    assert admin.get(f"/admin/jobs/{job_id}/progress.json").get_json()["status"] == "queued"

    again = admin.post(f"/admin/rounds/{allocated}/publish")
    assert again.headers["Location"].endswith(f"/admin/jobs/{job_id}"), "the same job"
    assert started == [job_id]

    monkeypatch.undo()
    _execute(app, job_id)
    page = unescape(admin.get(f"/admin/jobs/{job_id}").get_data(as_text=True))
    assert sv(app, "%(num)d of %(total)d offer made.", "%(num)d of %(total)d offers made.",
              PLACES, total=PLACES) in page
    assert sv(app, "%(num)d e-mail kept without sending: no mail server is set up.",
              "%(num)d e-mails kept without sending: no mail server is set up.",
              APPLICANTS) in page
    assert 'data-progress-url' not in page
    progress = admin.get(f"/admin/jobs/{job_id}/progress.json").get_json()
    assert progress["status"] == "succeeded" and progress["progress"] == 100


def test_a_stopped_publish_is_continued_from_its_page(app, client_as, allocated, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    monkeypatch.setattr(publishing, "BATCH", 2)
    _crash_at(monkeypatch, 2)
    admin = client_as(Role.ADMINISTRATOR)
    location = admin.post(f"/admin/rounds/{allocated}/publish").headers["Location"]
    page = unescape(admin.get(location).get_data(as_text=True))
    with app.test_request_context(), force_locale("sv"):
        from flask_babel import gettext
        button = gettext("Continue sending the offers")
    assert button in page
    monkeypatch.undo()
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    done = admin.post(f"{location}/resume", follow_redirects=True)
    assert button not in unescape(done.get_data(as_text=True))
    offers = _mails_by_youth(app, "placement.offered")
    assert len(offers) == PLACES and set(offers.values()) == {1}


def _analysed(table: str) -> int:
    return db.session.scalar(sa.text(
        "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = :table"),
        {"table": table}) or 0


def test_publishing_refreshes_the_planner_statistics_of_what_it_changed(app, allocated):
    """PostgreSQL plans the next pages' queries for the offers just made, not for the table
    as it was (measured: the consent page took 8 s instead of 0.25 s at 100,000 youths
    until the statistics caught up; where autovacuum is off, they never do)."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("planner statistics are PostgreSQL's")
        db.session.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
        before = _analysed("placement"), _analysed("outgoing_message")
        db.session.rollback()
    _execute(app, _start(app, allocated))
    with app.app_context():
        after = _analysed("placement"), _analysed("outgoing_message")
    assert after[0] > before[0] and after[1] > before[1]


def test_a_batch_offers_only_the_places_still_proposed(app, allocated):
    """Publishing's one UPDATE per batch keeps each place's guard: a proposal withdrawn
    meanwhile is not offered, and its youth gets no e-mail."""
    from youth_app.placements import services as placements

    with app.app_context(), app.test_request_context():
        batch = list(db.session.scalars(sa.select(Placement).where(
            Placement.state == PlacementState.PROPOSED).order_by(Placement.id).limit(2)))
        db.session.execute(sa.update(Placement).where(Placement.id == batch[1].id)
                           .values(state=PlacementState.WITHDRAWN))
        assert placements.make_offers(batch, reply_days=5) == 1
        assert [p.state for p in batch] == [PlacementState.OFFERED, PlacementState.WITHDRAWN]
        told = set(db.session.scalars(sa.select(OutgoingMessage.user_id).where(
            OutgoingMessage.kind.like("placement.offered%"))))
        assert told == {batch[0].youth.user_id}
