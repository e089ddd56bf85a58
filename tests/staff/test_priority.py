"""Confidential priority: set by caseworkers, audited, seen by nobody else."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.models import AuditEvent, PriorityGroup, PriorityMembership, Role

from .. import factories

pytestmark = pytest.mark.staff

SECRET = "SECRETGROUP"


@pytest.fixture
def flagged(app):
    with app.app_context():
        group = PriorityGroup(code="targeted", name=f"{SECRET} målgrupp")
        youth = factories.youth_profile(born=date(2011, 5, 5), first_name="Flaggad",
                                        last_name="Person")
        db.session.add(PriorityMembership(group=group, youth=youth, reason=f"{SECRET} reason"))
        db.session.commit()
        return group.id, youth.id, youth.personal_number


def _reads(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "priority.read"))


def test_every_read_writes_exactly_one_audit_row(app, client_as, flagged):
    group_id, youth_id, number = flagged
    caseworker = client_as(Role.CASEWORKER)
    for path in (f"/caseworker/groups/{group_id}", f"/caseworker/youths/{youth_id}",
                 f"/caseworker/?q={number}", "/caseworker/?q=Flaggad", "/caseworker/apart"):
        before = _reads(app)
        page = caseworker.get(path).get_data(as_text=True)
        assert _reads(app) == before + 1, path
        if "apart" not in path:
            assert "Flaggad Person" in page, path
    before = _reads(app)
    caseworker.get("/caseworker/")  # no search, no priority data shown: no read row
    assert _reads(app) == before


def test_search_by_name_or_number_then_add_and_remove(app, client_as, flagged):
    group_id, _youth_id, _number = flagged
    with app.app_context():
        other = factories.youth_profile(born=date(2010, 3, 3), first_name="Sam", last_name="Ek")
        db.session.commit()
        other_id, other_number = other.id, other.personal_number
    caseworker = client_as(Role.CASEWORKER)
    short = f"{other_number[2:8]}-{other_number[8:]}"
    assert "Sam Ek" in caseworker.get(f"/caseworker/?q={short}").get_data(as_text=True)
    caseworker.post(f"/caseworker/youths/{other_id}", data={
        "group": group_id, "reason": "Orosanmälan", "expires_on": "2027-12-31"})
    with app.app_context():
        membership = db.session.scalar(sa.select(PriorityMembership).where(
            PriorityMembership.youth_id == other_id))
        assert membership.expires_on == date(2027, 12, 31)
        membership_id = membership.id
        actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "priority.added" in actions
    caseworker.post(f"/caseworker/memberships/{membership_id}/remove",
                    data={"youth_id": other_id})
    with app.app_context():
        assert db.session.get(PriorityMembership, membership_id) is None


def test_changing_a_membership_is_audited_as_a_change_without_the_reason(
        app, client_as, flagged):
    group_id, youth_id, _number = flagged
    caseworker = client_as(Role.CASEWORKER)
    caseworker.post(f"/caseworker/youths/{youth_id}", data={
        "group": group_id, "reason": "Nytt beslut", "expires_on": ""})
    with app.app_context():
        membership = db.session.scalar(sa.select(PriorityMembership))
        assert membership.reason == "Nytt beslut"
        (event,) = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action.in_(["priority.added", "priority.changed"]))).all()
    assert event.action == "priority.changed"
    assert event.details == {"group": "targeted", "youth_id": youth_id, "changed": ["reason"]}


@pytest.mark.parametrize("role", [Role.YOUTH, Role.PROVIDER, Role.ADMINISTRATOR])
def test_no_one_but_caseworkers_sees_a_flagged_name_next_to_a_group(
        app, client_as, flagged, role):
    group_id, youth_id, _number = flagged
    browser = client_as(role)
    pages = [browser.get(path) for path in (
        f"/caseworker/groups/{group_id}", f"/caseworker/youths/{youth_id}",
        "/caseworker/?q=Flaggad", "/admin/", "/provider/", "/youth/", "/youth/my-data.json",
        "/offers/")]
    for response in pages:
        text = response.get_data(as_text=True)
        assert SECRET not in text
        assert not ("Flaggad" in text and "targeted" in text)


def test_apart_groups_need_two_known_youths(app, client_as, flagged):
    _group_id, _youth_id, number = flagged
    caseworker = client_as(Role.CASEWORKER)
    page = caseworker.post("/caseworker/apart", data={"numbers": number}).get_data(as_text=True)
    assert 'aria-invalid="true"' in page
    with app.app_context():
        other = factories.youth_profile(born=date(2010, 9, 9))
        db.session.commit()
        other_number = other.personal_number
    caseworker.post("/caseworker/apart", data={"numbers": f"{number}\n{other_number}"})
    with app.app_context():
        from youth_app.models import ApartGroup

        (group,) = db.session.scalars(sa.select(ApartGroup)).all()
        assert len(group.members) == 2
