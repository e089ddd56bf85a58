"""The provider's journey in a real browser, on the demo data.

An association registers, confirms its e-mail and waits; an administrator approves
it; it posts a summer job in the demo round and an open sign-up activity and sends
both for review; the administrator publishes them. Two youths apply and sign up, the
round is allocated and published, a guardian's paper consent is recorded, and they
accept. The provider then sees its participants, downloads and prints the list,
confirms a start and reports hours, which the administrator approves for payroll.

axe runs on every page reached. Nothing only social services may know (priority
groups, the personal identity number, the school) reaches any page or file the
provider gets. A provider who types another organisation's offer into the address bar
gets "not found".
"""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from youth_app import demo
from youth_app.extensions import db
from youth_app.identity import with_check_digit
from youth_app.models import (
    Attendance,
    Offer,
    OfferStatus,
    OutgoingMessage,
    Placement,
    PlacementState,
    Role,
    Round,
)

from .. import factories

pytest.register_assert_rewrite("tests.browser.journey", "tests.browser.provider_world")
from .journey import (
    confirm_and_log_in,
    allocate_and_publish,
    click,
    flashes,
    main_text,
    said,
    visit,
)
from .provider_world import (
    MARKER,
    Person,
    RecordingSite,
    accept,
    apply_and_sign_up,
    as_text,
    button_name,
    cells,
    identity_numbers,
    offered,
    participants,
    read_csv,
    read_xlsx,
    shown_date,
)
from .site import Site

pytestmark = [pytest.mark.provider]

ORGANISATION = {"name": "Skärgårdens Kajakklubb", "number": with_check_digit("802456984"),
                "contact": "Karin Strand", "phone": "0523-123 45",
                "email": "karin@kajakklubben.example"}
JOB = {"title": "Bryggvärd i gästhamnen", "capacity": "2", "min_age": "15", "max_age": "19"}
ACTIVITY = {"title": "Kajak för nybörjare", "capacity": "10", "min_age": "13", "max_age": "19"}


@pytest.fixture
def provider(chromium, live_server):
    """The provider's tab: it keeps every page it checked, to search for leaks."""
    made = RecordingSite.open(chromium, live_server)
    yield made
    made.close()


@pytest.fixture
def admin(chromium, live_server, demo_data):
    """The demo administrator, logged in (with the second factor) in a tab of their own."""
    made = Site.open(chromium, live_server)
    made.log_in(demo.LOGINS[Role.ADMINISTRATOR], demo.PASSWORD)
    yield made
    made.close()


def _demo_round(app) -> tuple[int, int]:
    with app.app_context():
        round_ = db.session.scalar(sa.select(Round))
        return round_.id, round_.reference_date.year


# The organisation joins -----------------------------------------------------------

def _register(site: Site, app) -> None:
    page, org = site.page, ORGANISATION
    visit(site, "/")
    click(site, page.locator(".main-nav").get_by_role("link", name=said(app, "sv", "Register")))
    click(site, page.get_by_role("link", name=said(app, "sv", "Register an organisation")))
    page.locator("#organisation_name").fill(org["name"])
    page.locator("#kind").select_option(label=said(app, "sv", "Association"))
    page.locator("#org_number").fill(f"{org['number'][:6]}-{org['number'][6:]}")
    page.locator("#contact_name").fill(org["contact"])
    page.locator("#phone").fill(org["phone"])
    page.locator("#email").fill(org["email"])
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("#confirm").fill(factories.PASSWORD)
    page.locator("#accept_terms").check()
    site.submit()
    confirm_and_log_in(site, app, org["email"], factories.PASSWORD)
    assert site.path == "/provider/"
    assert page.locator("h1").inner_text() == org["name"]


NOT_APPROVED = ("The municipality has not yet approved your organisation. You can prepare "
                "offers; they are published after approval.")


def _approve(admin: Site, app) -> None:
    name, number = ORGANISATION["name"], ORGANISATION["number"]
    visit(admin, "/admin/organisations")
    row = admin.page.locator("tbody tr", has_text=name)
    assert f"{number[:6]}-{number[6:]}" in row.inner_text()
    click(admin, row.get_by_role("button", name=button_name(said(app, "sv", "Approve"), name)))
    assert said(app, "sv", "%(name)s is approved.", name=name) in flashes(admin)
    row = admin.page.locator("tbody tr", has_text=name)
    assert cells(row)[-1] == said(app, "sv", "Approved")


# Offers -----------------------------------------------------------------------------

def _fill_offer(site: Site, offer: dict, place: str) -> None:
    page = site.page
    page.locator("#title").fill(offer["title"])
    page.locator("#description").fill(f"{offer['title']}: vi visar hur allt går till.")
    for name in ("capacity", "min_age", "max_age"):
        page.locator(f"#{name}").fill(offer[name])
    page.locator("#place").fill(place)
    page.locator("#district").select_option(label="Lysekil centrum")
    page.locator("#meeting_point").fill("Klubbhuset vid bryggan")
    page.locator("#supervisor_name").fill(ORGANISATION["contact"])
    page.locator("#supervisor_phone").fill(ORGANISATION["phone"])


def _send_for_review(site: Site, app, offer: dict) -> int:
    """Save the filled form, then send the draft for review; the new offer's id."""
    site.submit()
    assert said(app, "sv", "The offer is saved as a draft. Send it for review when it is "
                "ready.") in flashes(site)
    assert site.page.locator("h1").inner_text() == offer["title"]
    offer_id = int(site.path.rstrip("/").rsplit("/", 1)[1])
    click(site, site.page.get_by_role("button", name=said(app, "sv", "Send for review")))
    assert said(app, "sv", "The offer is sent to the municipality for review.") in flashes(site)
    assert said(app, "sv", "Waiting for review") in main_text(site)
    return offer_id


def _post_offers(site: Site, app, round_id: int, year: int) -> tuple[int, int]:
    page = site.page
    click(site, page.get_by_role("link", name=said(app, "sv", "New offer")))
    page.locator("#kind").select_option(label=said(app, "sv", "Summer job"))
    page.locator("#round").select_option(str(round_id))
    page.locator("#allocation_mode").select_option(
        label=said(app, "sv", "Shared out fairly when the round closes"))
    page.locator("#period").select_option(f"{round_id}:1")  # Period 2 of the demo round
    _fill_offer(site, JOB, "Gästhamnen, Lysekil")
    job_id = _send_for_review(site, app, JOB)
    assert said(app, "sv", "weeks %(first)d–%(last)d, %(year)d", first=28, last=30,
                year=year) in main_text(site), "the weeks of Period 2"

    visit(site, "/provider/")
    click(site, page.get_by_role("link", name=said(app, "sv", "New offer")))
    page.locator("#kind").select_option(label=said(app, "sv", "Leisure activity"))
    page.locator("#round").select_option(label=said(app, "sv", "No round (open sign-up)"))
    page.locator("#allocation_mode").select_option(label=said(
        app, "sv", "First come, first served, then a waiting list (activities only)"))
    page.locator("#weeks").select_option([f"{year}-W30", f"{year}-W31"])
    _fill_offer(site, ACTIVITY, "Kajakhamnen, Lysekil")
    activity_id = _send_for_review(site, app, ACTIVITY)
    assert said(app, "sv", "weeks %(first)d–%(last)d, %(year)d", first=30, last=31,
                year=year) in main_text(site)
    return job_id, activity_id


def error_text_of(app, code: str) -> str:
    from youth_app.messages import MESSAGES

    return said(app, "sv", str(MESSAGES[code]))


RETURN_REASON = "Skriv hur många timmar om dagen jobbet är och vilken lön det har."


def _return_and_mend(admin: Site, site: Site, app, job_id: int) -> None:
    """The administrator returns the job with a reason; the provider reads it on the
    offer's page and in an e-mail, states the hours and pay, and sends it again."""
    visit(admin, "/admin/offers")
    card = admin.page.locator("section", has=admin.page.get_by_role(
        "heading", name=JOB["title"], exact=True))
    assert f"{said(app, 'sv', 'Hours per day')}: {said(app, 'sv', 'not stated')}" \
        in card.inner_text()
    returning = said(app, "sv", "Return to the provider")
    click(admin, card.get_by_role("button", name=button_name(returning, JOB["title"])))
    assert error_text_of(app, "return_reason_needed") in flashes(admin), "a reason first"
    card = admin.page.locator("section", has=admin.page.get_by_role(
        "heading", name=JOB["title"], exact=True))
    card.locator("textarea, input[type=text]").first.fill(RETURN_REASON)
    click(admin, card.get_by_role("button", name=button_name(returning, JOB["title"])))
    with app.app_context():
        mail = db.session.scalar(sa.select(OutgoingMessage).where(
            OutgoingMessage.kind == "offer.returned").order_by(OutgoingMessage.id.desc()))
        assert mail.recipient == ORGANISATION["email"] and RETURN_REASON in mail.body

    visit(site, f"/provider/offers/{job_id}")
    assert RETURN_REASON in main_text(site)
    assert said(app, "sv", "Draft") in main_text(site)
    click(site, site.page.get_by_role("link", name=said(app, "sv", "Change")))
    site.page.locator("#hours_per_day").fill("6")
    site.page.locator("#hourly_pay").fill("110")
    _send_for_review(site, app, JOB)
    assert RETURN_REASON not in main_text(site), "the reason goes with the draft it was for"
    visit(admin, "/admin/offers")
    card = admin.page.locator("section", has=admin.page.get_by_role(
        "heading", name=JOB["title"], exact=True))
    assert said(app, "sv", "%(amount)d kronor per hour", amount=110) in card.inner_text()


def _publish(admin: Site, app) -> None:
    visit(admin, "/admin/offers")
    for offer in (JOB, ACTIVITY):
        assert ORGANISATION["name"] in admin.page.locator(
            "section", has_text=offer["title"]).inner_text()
        click(admin, admin.page.get_by_role(
            "button", name=button_name(said(app, "sv", "Publish"), offer["title"])))
        assert said(app, "sv", "%(title)s is published.", title=offer["title"]) \
            in flashes(admin)
    assert said(app, "sv", "No offers are waiting for review.") in main_text(admin)


# Youths take the places ---------------------------------------------------------------

def _paper_consent(admin: Site, app, minor: Person) -> None:
    """The guardian signed on paper; the administrator records it."""
    visit(admin, "/admin/consents")
    admin.page.locator("#name").fill(minor.name)  # a city has many pages of them
    admin.submit("form[role=search]")
    card = admin.page.locator("section", has=admin.page.get_by_role(
        "heading", name=f"{minor.name}: {JOB['title']}"))
    card.get_by_label(said(app, "sv", "Guardian who signed")).fill(minor.guardian[0])
    record = button_name(said(app, "sv", "Record paper consent"), minor.name)
    click(admin, card.get_by_role("button", name=record))
    assert said(app, "sv", "Paper consent is recorded.") in flashes(admin)
    assert said(app, "sv", "Consent given") in admin.page.locator(
        "section", has_text=minor.name).first.inner_text()


def _places_taken(app, admin: Site, round_id: int, job_id: int, activity_id: int,
                  people: tuple[Person, Person]) -> None:
    apply_and_sign_up(app, round_id, job_id, activity_id, people)
    allocate_and_publish(app, round_id)
    places = offered(app, job_id)
    assert set(places) == {p.id for p in people}, "both youths are offered the job"
    _paper_consent(admin, app, people[0])
    for person in people:
        accept(app, person.id, places[person.id])


# What the provider sees -----------------------------------------------------------------

def _dashboard(site: Site, app) -> None:
    visit(site, "/provider/")
    assert said(app, "sv", NOT_APPROVED) not in main_text(site)
    job = cells(site.page.locator("tbody tr", has_text=JOB["title"]))
    assert job[1:] == [said(app, "sv", "Published"),
                       said(app, "sv", "%(filled)d of %(places)d", filled=2, places=2),
                       said(app, "sv", "Confirm start: %(count)d", count=2)]
    activity = cells(site.page.locator("tbody tr", has_text=ACTIVITY["title"]))
    assert activity[2] == said(app, "sv", "%(filled)d of %(places)d", filled=2, places=10)


def _participant_table(site: Site, app, people: tuple[Person, Person], job: bool) -> None:
    minor, adult = people
    header = site.page.locator("main table thead th").all_inner_texts()
    assert header[:5] == [said(app, "sv", text) for text in (
        "Name", "Age", "Contact", "Guardians", "Shared by the young person")]
    rows = {row[0]: row for row in map(cells, site.page.locator("main tbody tr").all())}
    assert list(rows) == [adult.name, minor.name], "sorted by name"
    assert rows[minor.name][1:5] == [
        str(minor.age), f"{minor.phone}\n{minor.email}", " ".join(minor.guardian),
        minor.shared_notes]
    assert rows[adult.name][1:5] == [str(adult.age), f"{adult.phone}\n{adult.email}", "–", "–"]
    assert adult.guardian[0] not in main_text(site), "an adult's guardian is not shown"
    assert (len(header) == 6) is job, "only a job has the Start column"


def _downloads(site: Site, app, people: tuple[Person, Person]) -> dict[str, str]:
    """The participant list as CSV and Excel: the same rows as the page."""
    minor, adult = people
    headers = [said(app, "sv", text) for text in (
        "Name", "Age", "Phone", "E-mail address", "Guardians", "Shared by the young person")]
    guardian = ", ".join(minor.guardian)
    files = {}
    for label, suffix, read in (("Download (CSV)", "csv", read_csv),
                                ("Download (Excel)", "xlsx", read_xlsx)):
        with site.page.expect_download() as download:
            site.page.get_by_role("link", name=said(app, "sv", label)).click()
        assert download.value.suggested_filename.endswith(f".{suffix}")
        rows = read(download.value.path())
        assert rows[0] == headers
        assert [[str(v) if v is not None else "" for v in row] for row in rows[1:]] == [
            [adult.name, str(adult.age), adult.phone, adult.email, "", ""],
            [minor.name, str(minor.age), minor.phone, minor.email, guardian,
             minor.shared_notes]]
        files[suffix] = as_text(rows)
    return files


def _print_and_confirm_start(site: Site, app, offer_path: str, minor: Person) -> None:
    click(site, site.page.get_by_role("link", name=said(app, "sv", "Printable list")))
    assert site.page.locator("h1").inner_text() == \
        f"{said(app, 'sv', 'Participants')}: {JOB['title']}"
    text = main_text(site)
    assert minor.name in text and minor.guardian[0] in text and minor.shared_notes in text
    visit(site, offer_path)
    click(site, site.page.get_by_role(
        "button", name=button_name(said(app, "sv", "Confirm start"), minor.name)))
    assert said(app, "sv", "The start is confirmed.") in flashes(site)
    row = cells(site.page.locator("main tbody tr", has_text=minor.name))
    assert row[-1] == said(app, "sv", "Started")


def _report_hours(site: Site, app, people: tuple[Person, Person]) -> str:
    """Choose the job's second day, report 6,5 hours for the minor and the adult as
    absent (after one mistyped number); the chosen day's path."""
    minor, adult = people
    page = site.page
    click(site, page.get_by_role("link", name=said(app, "sv", "Attendance"), exact=True))
    second = page.locator("#day option").nth(1)
    day = date.fromisoformat(second.get_attribute("value"))
    page.locator("#day").select_option(day.isoformat())
    site.submit("main form[method=get]")
    assert page.locator("h1").inner_text() == \
        f"{said(app, 'sv', 'Attendance')}: {shown_date(app, day)}"
    page.locator(f"#hours-{minor.id}").fill("13")
    page.locator(f"#present-{adult.id}").uncheck()
    site.submit("main form[method=post]")
    assert said(app, "sv", "Hours must be a number between 0 and %(max)d, for example 6.5.",
                max=12) in flashes(site)
    page.locator(f"#hours-{minor.id}").fill("6,5")
    page.locator(f"#present-{adult.id}").uncheck()
    site.submit("main form[method=post]")
    assert said(app, "sv", "Attendance is saved.") in flashes(site)
    assert site.path.endswith(f"?day={day.isoformat()}")
    assert page.locator(f"#hours-{minor.id}").input_value() == "6,5"  # as Swedish writes it
    assert not page.locator(f"#present-{adult.id}").is_checked()
    return site.path


def _approve_hours(admin: Site, app, people: tuple[Person, Person], day: str) -> None:
    """The administrator approves the reported day and downloads it for payroll."""
    minor, adult = people
    page = admin.page
    visit(admin, "/admin/hours")
    rows = {row[1]: row for row in map(cells, page.locator("main tbody tr").all())}
    shown = shown_date(app, date.fromisoformat(day), "medium")
    assert rows[minor.name][2:4] == [JOB["title"], shown]
    assert rows[minor.name][4] == "6,5"
    assert rows[adult.name][2:] == [JOB["title"], shown, said(app, "sv", "Absent")]
    click(admin, page.get_by_role("button", name=said(app, "sv", "Approve the ticked hours")))
    assert said(app, "sv", "Approved: %(count)d.", count=2) in flashes(admin)
    assert said(app, "sv", "No hours are waiting.") in main_text(admin)
    with page.expect_download() as download:
        page.get_by_role("link", name=said(app, "sv", "Approved hours per young person (CSV)")
                         ).click()
    payroll = read_csv(download.value.path())
    assert payroll[0] == [said(app, "sv", text) for text in (
        "Name", "Personal identity number", "Job", "Employer", "Days", "Hours")]
    assert payroll[1:] == [[minor.name, minor.personal_number, JOB["title"],
                            ORGANISATION["name"], "1", "6.5"]], "an absent day is not paid"


def _nothing_confidential(site: RecordingSite, files: dict[str, str],
                          people: tuple[Person, Person]) -> None:
    secrets = [MARKER, "Socialtjänstens målgrupp"]
    secrets += [number for person in people for number in identity_numbers(person)]
    seen = {**site.html, **files}
    leaks = {where: [s for s in secrets if s in text] for where, text in seen.items()}
    assert not {where: found for where, found in leaks.items() if found}
    assert len(site.html) > 20, "every provider page was kept"


def test_organisation_from_registration_to_approved_hours(provider, admin, app):
    site, page = provider, provider.page
    round_id, year = _demo_round(app)
    _register(site, app)
    assert said(app, "sv", NOT_APPROVED) in main_text(site)
    _approve(admin, app)
    visit(site, "/provider/")
    job_id, activity_id = _post_offers(site, app, round_id, year)
    _return_and_mend(admin, site, app, job_id)
    _publish(admin, app)
    people = participants(app)
    _places_taken(app, admin, round_id, job_id, activity_id, people)

    _dashboard(site, app)
    click(site, page.get_by_role("link", name=JOB["title"]))
    offer_path = site.path
    _participant_table(site, app, people, job=True)
    files = _downloads(site, app, people)
    _print_and_confirm_start(site, app, offer_path, people[0])
    attendance_path = _report_hours(site, app, people)
    visit(site, f"/provider/offers/{activity_id}")
    _participant_table(site, app, people, job=False)

    _approve_hours(admin, app, people, attendance_path.rsplit("=", 1)[1])
    visit(site, attendance_path)
    assert page.locator(f"#hours-{people[0].id}").is_disabled(), \
        "approved hours are not changed by the provider"
    _nothing_confidential(site, files, people)


# Another organisation's offers -------------------------------------------------------

def _two_organisations(app) -> tuple[int, int, int]:
    """Our provider with one offer; a neighbour with a job that has a participant."""
    with app.app_context():
        round_ = factories.round_()
        ours = factories.user(Role.PROVIDER, email="var@test.example")
        own = factories.offer(ours.organisation, round_, title="Vårt eget jobb")
        theirs = factories.offer(factories.organisation("Grannföreningen"), round_,
                                 title="Grannens jobb")
        youth = factories.user(Role.YOUTH).youth_profile
        placement = Placement(round=round_, youth=youth, offer=theirs,
                              state=PlacementState.ACCEPTED)
        db.session.add(placement)
        db.session.commit()
        return own.id, theirs.id, placement.id


def test_another_organisations_offer_is_not_found(site, app):
    own, theirs, placement = _two_organisations(app)
    site.log_in("var@test.example", factories.PASSWORD)
    visit(site, f"/provider/offers/{own}")
    assert site.page.locator("h1").inner_text() == "Vårt eget jobb"
    day = "2027-06-22"
    base = f"/provider/offers/{theirs}"
    for path in (base, f"{base}/edit", f"{base}/participants.csv",
                 f"{base}/participants.xlsx", f"{base}/participants/print",
                 f"{base}/attendance", f"{base}/attendance?day={day}"):
        site.visit(path, status=404)
        assert site.page.locator("h1").inner_text() == said(app, "sv", "The page was not found")
        assert "Grannens jobb" not in site.page.content()
    token = site.page.locator("input[name=csrf_token]").first.input_value()
    for path in (f"{base}/edit", f"{base}/submit", f"{base}/close", f"{base}/copy",
                 f"{base}/attendance?day={day}", f"/provider/placements/{placement}/start"):
        response = site.context.request.post(path, form={"csrf_token": token},
                                             max_redirects=0)
        assert response.status == 404, f"POST {path}: {response.status}"
    with app.app_context():
        assert db.session.get(Offer, theirs).status is OfferStatus.PUBLISHED
        assert db.session.get(Placement, placement).start_confirmed_at is None
        assert db.session.scalar(sa.select(sa.func.count(Attendance.id))) == 0
