"""Season reports hide small counts everywhere; the audit log can be searched."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

import sqlalchemy as sa

from youth_app.allocation import services as allocation
from youth_app.extensions import db
from youth_app.models import (Application, BackgroundJob, District, JobKind, OfferKind, Placement,
                              Role, YouthProfile)
from youth_app.placements import services as placements

from .. import factories

pytestmark = pytest.mark.staff


@pytest.fixture
def published(app):
    """Seven applicants from Brastad, six from Lyse and two from Skaftö; all get a place."""
    with app.app_context(), app.test_request_context():
        round_ = factories.round_()
        offer = factories.offer(round=round_, kind=OfferKind.ACTIVITY, capacity=20,
                                min_age=13, max_age=19)
        for i, district in enumerate(["Brastad"] * 7 + ["Lyse"] * 6 + ["Skaftö"] * 2):
            youth = factories.youth_profile(born=date(2011, 1, 1 + i),
                                            district=factories.district(district))
            db.session.add(Application(round=round_, youth=youth, offer=offer, rank=1))
        allocation.close(round_)
        run = allocation.start_run(round_)
        db.session.commit()
        allocation.execute(run.id)
        allocation.publish(round_)
        db.session.commit()
        return round_.id


def _count(app, admin, round_id: int, monkeypatch) -> str:
    """Press "Count the figures" (the job runs at once, as a worker would) and read the page."""
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    response = admin.post(f"/admin/reports/rounds/{round_id}/count")
    assert response.status_code == 302
    return admin.get(response.headers["Location"]).get_data(as_text=True)


def test_small_counts_are_suppressed_on_the_page_and_in_exports(app, client_as, published,
                                                                monkeypatch):
    admin = client_as(Role.ADMINISTRATOR)
    page = _count(app, admin, published, monkeypatch)
    brastad = page[page.index("<th scope=\"row\">Brastad</th>"):][:200]
    lyse = page[page.index("<th scope=\"row\">Lyse</th>"):][:200]
    skafto = page[page.index("<th scope=\"row\">Skaftö</th>"):][:200]
    assert "<td>7</td>" in brastad
    assert "<td>2</td>" not in skafto and "färre än 5" in skafto
    # Lyse's 6 would give Skaftö's 2 away (15 in all, Brastad 7): hidden as well
    assert "<td>6</td>" not in lyse and "färre än 5" in lyse
    assert "<svg" in page
    csv_text = admin.get(f"/admin/reports/rounds/{published}/season.csv").data.decode("utf-8-sig")
    skafto_line = next(line for line in csv_text.splitlines() if "Skaftö" in line)
    assert "färre än 5" in skafto_line and ";2;" not in skafto_line
    book = load_workbook(io.BytesIO(admin.get(
        f"/admin/reports/rounds/{published}/season.xlsx").data))
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    skafto_row = next(r for r in rows if r[1] == "Skaftö")
    assert 2 not in skafto_row and "färre än 5" in skafto_row


def test_the_report_is_counted_in_the_background_and_read_from_what_was_counted(
        app, client_as, published, monkeypatch):
    admin = client_as(Role.ADMINISTRATOR)
    before = admin.get(f"/admin/reports/rounds/{published}").get_data(as_text=True)
    assert "Räkna fram siffrorna" in before and "Brastad" not in before
    download = admin.get(f"/admin/reports/rounds/{published}/season.csv")
    assert download.status_code == 302   # nothing counted yet: back to the page, with why
    assert "Räkna fram siffrorna först" in admin.get(download.headers["Location"]).get_data(
        as_text=True)
    page = _count(app, admin, published, monkeypatch)
    assert 'id="counted-at"' in page and "<td>7</td>" in page
    counted = _row(page, "Brastad")
    with app.app_context():   # five Brastad youths accept after the count
        for placement in db.session.scalars(sa.select(Placement).join(YouthProfile)
                                            .join(District).where(District.name == "Brastad")
                                            .limit(5)):
            placements.answer(placement.youth, placement.id, accept=True)
        db.session.commit()
    assert _row(admin.get(f"/admin/reports/rounds/{published}").get_data(as_text=True),
                "Brastad") == counted   # the page shows what was counted
    recounted = _row(_count(app, admin, published, monkeypatch), "Brastad")
    assert recounted != counted and "<td>5</td>" in recounted
    with app.app_context():   # a count's job page is the report itself
        job_id = db.session.scalar(sa.select(BackgroundJob.id).where(
            BackgroundJob.kind == JobKind.REPORT).limit(1))
    assert admin.get(f"/admin/jobs/{job_id}").headers["Location"].endswith(
        f"/admin/reports/rounds/{published}")


def _row(page: str, group: str) -> str:
    start = page.index(f'<th scope="row">{group}</th>')
    return page[start:page.index("</tr>", start)]


def test_audit_log_search(app, client_as, users, published):
    admin = client_as(Role.ADMINISTRATOR)
    client_as(Role.CASEWORKER)  # logs in: an auth.login event
    page = admin.get("/admin/reports/audit?action=auth.login").get_data(as_text=True)
    assert users[Role.CASEWORKER].email in page
    assert "<td>Resultatet av en omgång skickades ut</td>" not in page
    page = admin.get("/admin/reports/audit?action=round.").get_data(as_text=True)
    assert "<td>Resultatet av en omgång skickades ut</td>" in page
    events = page[page.index("<tbody>"):page.index("</tbody>")]
    assert "<td>Loggade in</td>" not in events and "round.published" not in events
    assert "=" not in events.replace('class="data-pair"', ""), "details in words, not key=value"
    assert "Omgången är nu: publicerad" in events
    assert '<option selected value="round.">Allt om omgångar</option>' in page
    bad = admin.get("/admin/reports/audit?since=yesterday")
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.get_data(as_text=True)


def test_a_hidden_count_cannot_be_worked_out_from_the_others():
    from youth_app.allocation.figures import shown_column

    # women 3 (hidden) and men 5 of 8: men would give women away, so men is hidden too
    assert shown_column([3, 5]) == [None, None]
    assert shown_column([3, 7, 9]) == [None, None, 9]
    assert shown_column([2, 1, 9]) == [None, None, 9]  # two hidden already: safe
    assert shown_column([6, 7]) == [6, 7]
