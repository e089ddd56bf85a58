"""One unit of work per request (issue 10): the request commits, once; no view does.

``youth_app.unit_of_work`` wraps every view: it commits when the view returns, rolls
back when it raises, and runs it again after a lost race; ``attempt`` is a SAVEPOINT
for a call whose ``DomainError`` a view turns into a message; ``after_commit`` starts
what needs the committed rows. The tests go through the real views, on SQLite and on
PostgreSQL (``TEST_DATABASE_URL``); a lost race is a retryable error raised at the
commit by a SQLAlchemy event, as the database raises it.
"""
from __future__ import annotations

import ast
import io
import sqlite3
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import NotFound
from werkzeug.test import encode_multipart

import youth_app
from youth_app import audit, mail, unit_of_work
from youth_app.admin import services as admin_services
from youth_app.allocation import services as allocation
from youth_app.caseworker import services as caseworker_services
from youth_app.extensions import db
from youth_app.models import (AllocationRun, Application, AuditEvent, DomainError, Offer,
                              OfferKind, OfferStatus, OutgoingMessage, Placement,
                              PlacementState, PriorityGroup, Role, Round, RoundState,
                              RunStatus, utcnow)

from .. import factories
from ..conftest import log_in

PACKAGE = Path(youth_app.__file__).parent
#: A Blueprint's (or the app's) decorators that make a function a view.
VIEW_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}
#: What only the unit of work may call.
COMMIT_CALLS = {"commit", "rollback", "run_and_commit"}


# --- every view, one commit point -------------------------------------------------------

def _is_view(function: ast.FunctionDef) -> bool:
    return any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
               and d.func.attr in VIEW_DECORATORS for d in function.decorator_list)


def _modules_with_views() -> list[tuple[Path, ast.Module]]:
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        if any(isinstance(n, ast.FunctionDef) and _is_view(n) for n in ast.walk(tree)):
            modules.append((path, tree))
    return modules


def _called(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else \
        getattr(call.func, "id", None)


def test_no_view_commits_or_rolls_back_by_itself():
    """Views and the helpers beside them: the request commits (``unit_of_work``)."""
    modules = _modules_with_views()
    assert len(modules) >= 10, [str(p) for p, _ in modules]  # every feature's routes
    found = [f"{path.relative_to(PACKAGE)}:{node.lineno} {_called(node)}()"
             for path, tree in modules for node in ast.walk(tree)
             if isinstance(node, ast.Call) and _called(node) in COMMIT_CALLS]
    assert found == []


def test_every_endpoint_runs_in_one_unit_of_work(app):
    assert len(app.view_functions) > 50
    assert [endpoint for endpoint, view in app.view_functions.items()
            if not unit_of_work.is_wrapped(view)] == []


# --- a view that raises keeps nothing -----------------------------------------------------

@pytest.fixture
def youth_id(app) -> int:
    with app.app_context():
        youth = factories.youth_profile()
        db.session.commit()
        return youth.id


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("failure, status", [(RuntimeError, 500), (NotFound, 404)])
def test_a_view_that_raises_after_writing_keeps_nothing(app, client_as, youth_id,
                                                        monkeypatch, failure, status):
    """The caseworker's page of a youth writes its ``priority.read`` audit row, then
    fails while it gathers the page: the page never reached anyone, so no read is kept."""
    caseworker = client_as(Role.CASEWORKER)

    def broken(_youth):
        raise failure()

    monkeypatch.setattr(caseworker_services, "memberships", broken)
    response = caseworker.get(f"/caseworker/youths/{youth_id}")
    assert response.status_code == status
    assert b'<html lang="sv"' in response.data  # the product's own error page
    with app.app_context():
        assert _count(AuditEvent, AuditEvent.action == "priority.read") == 0


# --- a lost race runs the whole view again --------------------------------------------------

@contextmanager
def commits_lost(times: int):
    """The next ``times`` commits fail as SQLite fails a writer that lost the race
    ("database is locked"); yields the list of commits tried."""
    tried = []

    def before_commit(session: Session) -> None:
        if session.in_nested_transaction():
            return
        tried.append(session)
        if len(tried) <= times:
            raise sa.exc.OperationalError("COMMIT", {}, sqlite3.OperationalError(
                "database is locked"))

    event.listen(Session, "before_commit", before_commit)
    try:
        yield tried
    finally:
        event.remove(Session, "before_commit", before_commit)


def _flashes(client) -> list:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


REPORT = {"page": "Mina val", "problem": "Knappen syns inte i mörkt läge."}


def test_a_commit_that_lost_a_race_runs_the_view_again_with_one_result(app, client):
    with commits_lost(1) as tried:
        response = client.post("/accessibility", data=REPORT)
    assert len(tried) == 2
    assert response.status_code == 302 and response.headers["Location"] == "/accessibility"
    assert [category for category, _text in _flashes(client)] == ["success"]  # once
    with app.app_context():
        assert _count(OutgoingMessage, OutgoingMessage.kind == "main.accessibility") == 1
        assert _count(AuditEvent, AuditEvent.action == "main.accessibility_report") == 1


def test_a_race_lost_every_time_is_given_up_with_nothing_kept(app, client, monkeypatch):
    monkeypatch.setattr(unit_of_work, "back_off", lambda _attempt: None)
    with commits_lost(unit_of_work.ATTEMPTS) as tried:
        response = client.post("/accessibility", data=REPORT)
    assert len(tried) == unit_of_work.ATTEMPTS
    assert response.status_code == 503
    assert _flashes(client) == []
    with app.app_context():
        assert _count(OutgoingMessage) == 0 and _count(AuditEvent) == 0


@pytest.fixture
def group_id(app) -> int:
    with app.app_context():
        group = PriorityGroup(code="targeted", name="Socialtjänstens målgrupp")
        db.session.add(group)
        db.session.commit()
        return group.id


def test_a_view_run_again_reads_the_uploaded_file_again(app, client_as, group_id):
    """The preview of a CSV import reads the upload; run again, it reads it from the
    start, and the caseworker sees the preview of the whole file."""
    with app.app_context():
        numbers = [factories.youth_profile(born=date(2010, 1, d)).personal_number
                   for d in (1, 2, 3)]
        db.session.commit()
    caseworker = client_as(Role.CASEWORKER)
    boundary, body = encode_multipart({
        "group": str(group_id), "reason": "Lista", "expires_on": "",
        "file": FileStorage(io.BytesIO("\n".join(numbers).encode()), filename="lista.csv",
                            content_type="text/csv")})
    with commits_lost(1):
        response = caseworker.post("/caseworker/import", data=body,
                                   content_type=f'multipart/form-data; boundary="{boundary}"')
    assert response.status_code == 200
    with app.app_context():
        (read,) = db.session.scalars(sa.select(AuditEvent.details).where(
            AuditEvent.action == "priority.read"))
    assert read["what"] == "import_preview" and read["lines"] == 3


# --- a request that rolls back sends no mail ------------------------------------------------

@pytest.fixture
def offered(mail_app):
    """A youth of 18 (no consent needed) with an offer to answer, in a published round."""
    with mail_app.app_context():
        round_ = factories.round_(state=RoundState.PUBLISHED)
        offer = factories.offer(round=round_, kind=OfferKind.JOB, capacity=5)
        user = factories.user(Role.YOUTH, email="svar@test.example")
        user.youth_profile.date_of_birth = date(2006, 1, 1)
        placement = Placement(round=round_, youth=user.youth_profile, offer=offer,
                              state=PlacementState.OFFERED, offered_at=utcnow(),
                              reply_by=factories.aware(2099, 1, 1))
        db.session.add(placement)
        db.session.commit()
        return placement.id, user.email


def test_a_request_that_fails_after_queueing_mail_sends_none(mail_app, smtp_server, offered,
                                                             monkeypatch):
    """Accepting queues the confirmation; the view then fails: nothing is sent, nothing
    is kept. Pressed again without the failure, exactly one message arrives."""
    from youth_app.youth import routes as youth_routes

    placement_id, email = offered
    youth = mail_app.test_client()
    assert log_in(youth, email).status_code == 302

    def broken(*_args, **_kwargs):
        raise RuntimeError("the page failed after the answer")

    with monkeypatch.context() as patch:
        patch.setattr(youth_routes, "flash", broken)
        assert youth.post(f"/youth/placements/{placement_id}/accept").status_code == 500
    assert smtp_server.messages == []
    with mail_app.app_context():
        assert db.session.get(Placement, placement_id).state is PlacementState.OFFERED
        assert _count(OutgoingMessage) == 0
    assert youth.post(f"/youth/placements/{placement_id}/accept").status_code == 302
    assert [m["To"] for m in smtp_server.messages] == [email]


# --- a SAVEPOINT for a call that may be refused ---------------------------------------------

def _refused(what: str):
    audit.record(f"test.{what}")
    mail.send(f"{what}@test.example", "Ämne", "Text", kind="test")
    db.session.flush()
    raise DomainError("refused")


def _kept(what: str) -> None:
    audit.record(f"test.{what}")
    mail.send(f"{what}@test.example", "Ämne", "Text", kind="test")


def test_a_refused_attempt_keeps_what_the_request_wrote_before_and_after(mail_app,
                                                                        smtp_server):
    with mail_app.test_request_context():
        _kept("before")
        with pytest.raises(DomainError):
            unit_of_work.attempt(lambda: _refused("refused"))
        unit_of_work.attempt(lambda: _kept("after"))
        assert smtp_server.messages == []  # a savepoint released is not a commit
        db.session.commit()
        actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id))
        assert list(actions) == ["test.before", "test.after"]
    assert sorted(m["To"] for m in smtp_server.messages) == ["after@test.example",
                                                             "before@test.example"]


@pytest.fixture
def submitted_offer(app) -> int:
    with app.app_context():
        offer = factories.offer(status=OfferStatus.SUBMITTED)
        db.session.commit()
        return offer.id


def test_a_view_that_shows_a_refusal_keeps_nothing_of_the_refused_call(app, client_as,
                                                                       submitted_offer,
                                                                       monkeypatch):
    """A service that wrote before it refused (here: publishing, then finding the
    organisation unapproved): the administrator reads the message, and nothing of the
    refused call is kept although the request commits."""
    def publish_then_refuse(offer_id, _publish, admin, reason=""):
        offer = db.session.get(Offer, offer_id)
        offer.status = OfferStatus.PUBLISHED
        audit.record("offer.published", offer, actor=admin)
        db.session.flush()
        raise admin_services.AdminRuleError("organisation_not_approved")

    monkeypatch.setattr(admin_services, "review_offer", publish_then_refuse)
    admin = client_as(Role.ADMINISTRATOR)
    response = admin.post(f"/admin/offers/{submitted_offer}/publish")
    assert response.status_code == 302
    assert [category for category, _text in _flashes(admin)] == ["error"]
    with app.app_context():
        assert db.session.get(Offer, submitted_offer).status is OfferStatus.SUBMITTED
        assert _count(AuditEvent, AuditEvent.action == "offer.published") == 0


# --- after the commit: the allocation run in the background ---------------------------------

@pytest.fixture
def closed_round(app) -> int:
    with app.app_context(), app.test_request_context():
        round_ = factories.round_(state=RoundState.OPEN)
        offer = factories.offer(round=round_, kind=OfferKind.ACTIVITY, capacity=2,
                                weeks=["2027-W30"])
        youth = factories.user(Role.YOUTH).youth_profile
        db.session.add(Application(round=round_, youth=youth, offer=offer, rank=1))
        allocation.close(round_)
        db.session.commit()
        return round_.id


@pytest.fixture
def started(app, monkeypatch) -> list:
    """Each run handed to the background, with its status as another connection sees
    it then (only committed rows)."""
    seen = []

    def start_in_background(_app, run_id: int) -> None:
        with db.engine.connect() as other:
            seen.append(other.scalar(sa.select(AllocationRun.status).where(
                AllocationRun.id == run_id)))

    monkeypatch.setattr(allocation, "start_in_background", start_in_background)
    return seen


def _runs(app) -> int:
    with app.app_context():
        return _count(AllocationRun)


def test_a_run_goes_to_the_background_once_its_request_has_committed(app, client_as,
                                                                      closed_round, started):
    admin = client_as(Role.ADMINISTRATOR)
    with commits_lost(1):  # the first try is rolled back: its run is never started
        response = admin.post(f"/admin/rounds/{closed_round}/runs")
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin/runs/")
    assert started == [RunStatus.QUEUED]
    assert _runs(app) == 1


def test_a_run_is_not_started_when_its_request_rolls_back(app, client_as, closed_round,
                                                          started, monkeypatch):
    from youth_app.rounds import routes as round_routes  # after the app: imports in a cycle

    admin = client_as(Role.ADMINISTRATOR)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the answer failed")

    monkeypatch.setattr(round_routes, "redirect", broken)
    assert admin.post(f"/admin/rounds/{closed_round}/runs").status_code == 500
    assert started == []
    assert _runs(app) == 0
    with app.app_context():
        assert db.session.get(Round, closed_round).state is RoundState.CLOSED


def test_after_commit_belongs_to_a_request(app):
    with app.app_context(), pytest.raises(RuntimeError):
        unit_of_work.after_commit(lambda: None)


def test_a_rollback_that_fails_as_well_gives_the_connection_up(app, monkeypatch):
    """The database went away mid-request: even the rollback fails. The connection is
    then dropped (not returned to the pool), and the error page can still be shown."""
    from youth_app import errors

    def unreachable(_session):
        raise sa.exc.OperationalError("ROLLBACK", {}, sqlite3.OperationalError("gone"))

    for roll_back in (unit_of_work._roll_back, errors._roll_back):
        with app.test_request_context():
            pooled = db.session.connection().connection
            with monkeypatch.context() as patch:
                patch.setattr(Session, "rollback", unreachable)
                roll_back()
            assert not pooled.is_valid  # dropped, not handed to the next request
            assert db.session.scalar(sa.text("SELECT 1")) == 1
