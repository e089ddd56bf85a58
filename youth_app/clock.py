"""The clock: the platform's own scheduler process (``flask clock``), so that nothing
depends on a cron line someone has to remember.

Every task is safe to run twice and from two machines at once, because each claims its
rows with a conditional update (a reminder's ``reminded_at``, an offer's state, a
message's ``sending`` state, a stale run's status, a stale job's
attempt): a second clock only finds nothing
left to do. So the clock needs no lock, and one per installation is enough (a second one
is harmless). Each task runs in its own transaction; one that fails is logged (without
personal data) and tried again at its next turn, and the others go on.

Intervals are minutes, not calendar times, so a short loop does the work of a cron
library: what is due runs, then the clock sleeps until the next task is due.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from flask import Flask, current_app

from . import logs
from .extensions import db


@dataclass
class Task:
    name: str
    every: float  #: seconds between two runs
    run: Callable[[], int]  #: does the work in the current transaction; how many rows
    next_at: float = field(default=0.0)  #: monotonic time; 0: due at the first turn


def _deliver_mail() -> int:
    from . import mail

    return mail.deliver_due()


def _fail_stale_runs() -> int:
    from .allocation import services

    return services.fail_stale_runs()


def _resume_stale_jobs() -> int:
    """Take up again the background jobs whose worker died (a publishing stopped half-way
    goes on by itself), each started once this task's update is committed."""
    from . import background, jobs

    resumed = jobs.resume_stale()
    db.session.commit()
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy
    for job_id in resumed:
        background.start(app, "job", job_id)
    return len(resumed)


def _remind() -> int:
    from .placements import services

    return len(services.send_reminders())


def _expire() -> int:
    from .placements import services

    return len(services.expire_unanswered())


def tasks(app: Flask) -> list[Task]:
    """The clock's tasks and how often each runs (``CLOCK_*_EVERY``, seconds)."""
    config = app.config
    return [Task("mail", config["CLOCK_MAIL_EVERY"], _deliver_mail),
            Task("stale_runs", config["CLOCK_RUNS_EVERY"], _fail_stale_runs),
            Task("stale_jobs", config["CLOCK_RUNS_EVERY"], _resume_stale_jobs),
            Task("reminders", config["CLOCK_PLACEMENTS_EVERY"], _remind),
            Task("expiry", config["CLOCK_PLACEMENTS_EVERY"], _expire)]


def run_task(app: Flask, task: Task) -> int | None:
    """One turn of a task in its own request context and transaction (links in e-mail
    need the public address); ``None`` if it failed (logged, rolled back)."""
    with app.test_request_context(base_url=app.config["PUBLIC_URL"]):
        try:
            done = task.run()
            db.session.commit()
        except Exception:  # the clock keeps going; the log says what broke
            db.session.rollback()
            logs.exception(current_app.logger, "Clock task %s failed", task.name)
            return None
        finally:
            db.session.remove()
    if done:
        app.logger.info("Clock task %s: %d done", task.name, done)
    return done


def run(app: Flask, stop: threading.Event, once: bool = False,
        clock: Callable[[], float] = time.monotonic) -> None:
    """Run every task when it is due until ``stop`` is set (or, ``once``, each once)."""
    schedule = tasks(app)
    while not stop.is_set():
        now = clock()
        for task in schedule:
            if task.next_at <= now:
                run_task(app, task)
                task.next_at = clock() + task.every
        if once:
            return
        stop.wait(max(0.5, min(task.next_at for task in schedule) - clock()))
