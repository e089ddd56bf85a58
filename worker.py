"""Entry points for RQ workers, beside ``wsgi.py``: ``rq worker allocation mail``.

Each job runs inside an app built from the environment, as the web process is, so no
feature package needs to import the app factory.
"""
from __future__ import annotations

from contextlib import contextmanager

from youth_app import create_app
from youth_app.extensions import db


@contextmanager
def _app_context():
    app = create_app()
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()  # this app lives for one job: close its connections


def run_allocation(run_id: int) -> None:
    from youth_app import logs
    from youth_app.allocation import services

    with _app_context() as app:
        try:
            services.execute(run_id)
        except Exception:  # the run is marked failed; RQ would log the message's data
            logs.exception(app.logger, "Allocation run %s failed", run_id)


def deliver_mail(message_ids: list[int]) -> None:
    from youth_app import mail

    with _app_context():
        mail.deliver(message_ids)
        mail.deliver_due()


def run_job(job_id: int) -> None:
    from youth_app import background

    with _app_context() as app:
        background.run(app, "job", job_id)
