"""Allocation runs on RQ when ``REDIS_URL`` is set (the machine's Redis)."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from youth_app.allocation import services as allocation
from youth_app.extensions import db
from youth_app.models import AllocationRun, Application, RunStatus

from .. import factories

pytestmark = pytest.mark.staff

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_connection():
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisDown:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but no Redis at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


def test_a_run_is_queued_on_redis_and_done_by_a_worker(app, database_url, redis_connection,
                                                      monkeypatch):
    from rq import Queue, SimpleWorker

    with app.app_context(), app.test_request_context():
        round_ = factories.round_()
        offer = factories.offer(round=round_, min_age=13, max_age=19)
        youth = factories.youth_profile()
        db.session.add(Application(round=round_, youth=youth, offer=offer, rank=1))
        allocation.close(round_)
        run = allocation.start_run(round_)
        db.session.commit()
        monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
        allocation.start_in_background(app, run.id)
        run_id = run.id
    queue = Queue("allocation", connection=redis_connection)
    assert queue.count == 1
    # The worker builds its own app from the environment, as a real worker process does.
    monkeypatch.setenv("DATABASE_URL", database_url)
    SimpleWorker([queue], connection=redis_connection).work(burst=True)
    with app.app_context():
        finished = db.session.get(AllocationRun, run_id)
        assert finished.status is RunStatus.SUCCEEDED
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AllocationRun)) == 1


def test_a_publishing_job_is_queued_on_redis_and_done_by_a_worker(
        app, database_url, redis_connection, monkeypatch):
    """Runs and jobs share one dispatcher and one queue (``rq worker allocation mail``)."""
    from rq import Queue, SimpleWorker

    from youth_app import background
    from youth_app.allocation import publishing
    from youth_app.models import BackgroundJob, JobStatus, Placement, PlacementState

    with app.app_context(), app.test_request_context():
        round_ = factories.round_()
        offer = factories.offer(round=round_, min_age=13, max_age=19)
        youth = factories.youth_profile()
        db.session.add(Application(round=round_, youth=youth, offer=offer, rank=1))
        allocation.close(round_)
        run = allocation.start_run(round_)
        db.session.commit()
        allocation.execute(run.id)
        job = publishing.start(round_)
        db.session.commit()
        monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
        background.start(app, "job", job.id)
        job_id = job.id
    queue = Queue("allocation", connection=redis_connection)
    assert queue.count == 1
    monkeypatch.setenv("DATABASE_URL", database_url)
    SimpleWorker([queue], connection=redis_connection).work(burst=True)
    with app.app_context():
        assert db.session.get(BackgroundJob, job_id).status is JobStatus.SUCCEEDED
        assert db.session.scalar(sa.select(Placement.state)) is PlacementState.OFFERED
