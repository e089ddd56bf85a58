"""A provider meets its own participants, and nothing more."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from youth_app.extensions import db
from youth_app.models import (Attendance, Guardian, PriorityGroup, PriorityMembership,
                              YouthProfile)

pytestmark = pytest.mark.provider

CANARY = "CANARY-7f3a"


def test_participants_show_what_running_the_job_needs(we, world):
    page = we.get(f"/provider/offers/{world.ours}").get_data(as_text=True)
    assert "Alva Test" in page and "0701234567" in page and "Nötallergi" in page
    assert "Omar" not in page  # the other organisation's participant


@pytest.mark.parametrize("path", [
    "/provider/offers/{theirs}", "/provider/offers/{theirs}/edit",
    "/provider/offers/{theirs}/participants.csv", "/provider/offers/{theirs}/participants.xlsx",
    "/provider/offers/{theirs}/participants/print", "/provider/offers/{theirs}/attendance",
    "/provider/offers/{theirs}/delete"])
def test_another_organisations_offer_cannot_be_reached(we, world, path):
    assert we.get(path.format(theirs=world.theirs)).status_code == 404


@pytest.mark.parametrize("path", ["/provider/offers/{theirs}/submit",
                                  "/provider/offers/{theirs}/close",
                                  "/provider/offers/{theirs}/delete",
                                  "/provider/offers/{theirs}/copy",
                                  "/provider/placements/{their_placement}/start"])
def test_another_organisations_objects_cannot_be_changed(app, we, world, path):
    url = path.format(theirs=world.theirs, their_placement=world.their_placement)
    assert we.post(url).status_code in (400, 404)
    assert we.post(f"/provider/offers/{world.ours}/attendance?day=2027-06-21", data={
        f"present-{world.youth_id + 1}": "y"}).status_code in (302, 400)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attendance.id)).where(
            Attendance.youth_id != world.youth_id)) == 0


def _plant_canaries(app, world) -> None:
    """Put a marker into every confidential field of the participant."""
    with app.app_context():
        youth = db.session.get(YouthProfile, world.youth_id)
        youth.school = CANARY + "-school"
        db.session.add(PriorityMembership(
            group=PriorityGroup(code=CANARY.lower(), name=CANARY + "-group",
                                description=CANARY + "-description"),
            youth=youth, reason=CANARY + "-reason"))
        db.session.commit()
        return youth.personal_number


def test_canary_never_reaches_a_provider(app, we, world):
    number = _plant_canaries(app, world)
    pages = ["/provider/", f"/provider/offers/{world.ours}",
             f"/provider/offers/{world.ours}/participants/print",
             f"/provider/offers/{world.ours}/attendance?day=2027-06-21",
             f"/provider/offers/{world.ours}/participants.csv"]
    seen = []
    for path in pages:
        response = we.get(path)
        assert response.status_code == 200, path
        seen.append(response.get_data(as_text=True) + str(response.headers))
    xlsx = we.get(f"/provider/offers/{world.ours}/participants.xlsx")
    book = load_workbook(io.BytesIO(xlsx.data))
    seen.append(" ".join(str(c.value) for row in book.active.iter_rows() for c in row))
    seen.append(str(xlsx.headers))
    everything = "\n".join(seen)
    assert "Alva Test" in everything  # the participant is there ...
    assert CANARY not in everything and CANARY.lower() not in everything  # ... the secrets not
    assert number not in everything and f"{number[:8]}-{number[8:]}" not in everything
    for word in ("targeted", "lottery", "lottnummer", "rank"):
        assert word not in everything.lower()


def test_guardians_shown_for_a_minor(app, we, world):
    with app.app_context():
        youth = db.session.get(YouthProfile, world.youth_id)
        youth.guardians.append(Guardian(name="Mamma Test", phone="0709999999"))
        db.session.commit()
    assert "0709999999" in we.get(f"/provider/offers/{world.ours}").get_data(as_text=True)


def test_exports_neutralise_spreadsheet_formulas(app, we, world):
    with app.app_context():
        youth = db.session.get(YouthProfile, world.youth_id)
        youth.shared_notes = '=HYPERLINK("http://evil.example","click")'
        youth.phone = "+46701234567"
        db.session.commit()
    csv_text = we.get(f"/provider/offers/{world.ours}/participants.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and ";=HYPERLINK" not in csv_text
    assert "'+46701234567" in csv_text
    book = load_workbook(io.BytesIO(we.get(
        f"/provider/offers/{world.ours}/participants.xlsx").data))
    values = [c.value for row in book.active.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def test_attendance_and_hours_reach_payroll_after_approval(app, we, world, client_as):
    from youth_app.models import Role

    monday = date.fromisocalendar(2027, 25, 1)
    we.post(f"/provider/placements/{world.our_placement}/start")
    response = we.post(f"/provider/offers/{world.ours}/attendance?day={monday}",
                       data={f"present-{world.youth_id}": "y", f"hours-{world.youth_id}": "6,5"})
    assert response.status_code == 302
    bad = we.post(f"/provider/offers/{world.ours}/attendance?day={monday}",
                  data={f"present-{world.youth_id}": "y", f"hours-{world.youth_id}": "25"})
    assert 'role="alert"' in bad.get_data(as_text=True)
    admin = client_as(Role.ADMINISTRATOR)
    with app.app_context():
        row_id = db.session.scalar(sa.select(Attendance.id))
    admin.post("/admin/hours", data={"attendance": [str(row_id)]})
    csv_text = admin.get("/admin/hours/approved.csv").data.decode("utf-8-sig")
    assert "Alva Test" in csv_text and "6.5" in csv_text
    page = we.get(f"/provider/offers/{world.ours}").get_data(as_text=True)
    assert f"/provider/placements/{world.our_placement}/start" not in page  # start confirmed


def test_dashboard_counts_youths_with_days_left_to_report(app, we, world):
    from datetime import date

    from youth_app.models import Organisation
    from youth_app.provider import services

    monday = date.fromisocalendar(2027, 25, 1)
    we.post(f"/provider/offers/{world.ours}/attendance?day={monday}",
            data={f"present-{world.youth_id}": "y", f"hours-{world.youth_id}": "6"})
    with app.app_context():
        organisation = db.session.scalar(sa.select(Organisation).where(
            Organisation.offers.any(id=world.ours)))
        row = next(r for r in services.dashboard(organisation, today=monday + timedelta(days=1))
                   if r["offer"].id == world.ours)
        assert row["todo"][services.Todo.REPORT_HOURS] == 1  # Tuesday is still unreported
        row = next(r for r in services.dashboard(organisation, today=monday)
                   if r["offer"].id == world.ours)
        assert row["todo"][services.Todo.REPORT_HOURS] == 0
