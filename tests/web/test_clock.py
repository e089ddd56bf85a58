"""The clock process (``flask clock``) does the timed work by itself: the outbox, runs
whose worker died, reminders and expiry; a task that breaks does not stop the others."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import sqlalchemy as sa

from youth_app import clock
from youth_app.allocation import services as allocation
from youth_app.extensions import db
from youth_app.models import (AllocationRun, Application, MessageStatus, OfferKind,
                              OutgoingMessage, Placement, PlacementState, Role, RoundState,
                              RunStatus, utcnow)
from youth_app.placements import services as placements

from .. import factories


def _season_left_to_the_clock(app) -> dict[str, int]:
    """An offer past its deadline, one two days from it, a run whose worker died, and
    their e-mail not yet sent."""
    with app.test_request_context():
        round_ = factories.round_(state=RoundState.OPEN)
        offer = factories.offer(round=round_, kind=OfferKind.ACTIVITY, capacity=5,
                                min_age=13, max_age=19)
        made = []
        for _ in range(2):
            youth = factories.user(Role.YOUTH).youth_profile
            youth.date_of_birth = date(2011, 1, 1)
            db.session.add(Application(round=round_, youth=youth, offer=offer, rank=1))
            placement = Placement(round=round_, youth=youth, offer=offer, rank=1)
            db.session.add(placement)
            db.session.flush()
            placements.make_offer(placement, reply_days=1)
            made.append(placement)
        late, due = made
        late.reply_by = utcnow() - timedelta(minutes=1)
        allocation.close(round_)
        run = allocation.start_run(round_)
        run.status = RunStatus.RUNNING
        run.heartbeat_at = utcnow() - app.config["RUN_STALE_AFTER"] - timedelta(seconds=1)
        db.session.commit()
        return {"late": late.id, "due": due.id, "run": run.id}


def test_one_turn_of_the_clock_does_every_timed_task(app_factory, smtp_server, runner):
    mail_app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                           MAIL_USE_TLS=False, MAIL_DELIVERY="command")
    with mail_app.app_context():
        ids = _season_left_to_the_clock(mail_app)
        assert smtp_server.messages == []  # the offers' e-mail waits in the outbox
    result = mail_app.test_cli_runner().invoke(args=["clock", "--once"])
    assert result.exit_code == 0, result.output
    with mail_app.app_context():
        assert db.session.get(Placement, ids["late"]).state is PlacementState.EXPIRED
        assert db.session.get(Placement, ids["due"]).reminded_at is not None
        assert db.session.get(AllocationRun, ids["run"]).status is RunStatus.FAILED
        left = db.session.scalars(sa.select(OutgoingMessage.kind).where(
            OutgoingMessage.status == MessageStatus.PENDING)).all()
    # The mail task ran first: the two offers went out; the reminder and the expiry
    # notice written after it wait for its next turn, and then go out too.
    assert len(smtp_server.messages) == 2
    assert sorted(left) == ["placement.expired", "placement.reminder"]
    mail_app.test_cli_runner().invoke(args=["clock", "--once"])
    assert len(smtp_server.messages) == 4


def test_a_task_that_fails_is_logged_and_the_others_still_run(app, monkeypatch, caplog):
    with app.app_context():
        ids = _season_left_to_the_clock(app)

    number = "".join(["19850101", "-1234"])  # data, not source: tracebacks show source

    def broken() -> int:
        raise RuntimeError(f"the SMTP server said no to {number}")

    real = clock.tasks

    def with_a_broken_first(app_):
        return [clock.Task("mail", 60, broken), *real(app_)[1:]]

    monkeypatch.setattr(clock, "tasks", with_a_broken_first)
    clock.run(app, threading.Event(), once=True)
    with app.app_context():
        assert db.session.get(Placement, ids["late"]).state is PlacementState.EXPIRED
        assert db.session.get(AllocationRun, ids["run"]).status is RunStatus.FAILED
    assert "Clock task mail failed" in caplog.text
    assert number not in caplog.text  # the log names the error's type, not its text


def test_each_task_runs_at_its_own_interval(app, monkeypatch):
    counted: dict[str, int] = {"often": 0, "seldom": 0}

    def counter(name):
        def run() -> int:
            counted[name] += 1
            return 0
        return run

    monkeypatch.setattr(clock, "tasks", lambda _app: [clock.Task("often", 10, counter("often")),
                                                      clock.Task("seldom", 25, counter("seldom"))])
    now = [0.0]

    class FakeStop:
        """The clock's sleep: moves the fake time on instead of waiting."""
        def is_set(self) -> bool:
            return now[0] >= 60

        def wait(self, seconds: float) -> None:
            now[0] += seconds

    clock.run(app, FakeStop(), clock=lambda: now[0])  # type: ignore[arg-type]
    assert counted == {"often": 6, "seldom": 3}  # at 0, 10 ... 50; at 0, 25, 50
