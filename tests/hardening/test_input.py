"""Hostile input, class by class: each gets a 400 or 404 or a message, never a 500.

Found by the security review (issue 9, item 6) against PostgreSQL; each test names the
request that used to fail.
"""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from flask_wtf import FlaskForm

from youth_app.extensions import db
from youth_app.forms import Form
from youth_app.identity import with_check_digit
from youth_app.models import (Attendance, OutgoingMessage, Role, Round, User,
                              YouthProfile)
from youth_app.untrusted import INTEGER_MAX, DatabaseId, whole_number

from .. import factories

pytestmark = pytest.mark.hardening

EN = {"Accept-Language": "en"}


def said(app, text: str, **values) -> str:
    with app.test_request_context(), force_locale("en"):
        return gettext(text, **values)


# --- ids in URLs ---------------------------------------------------------------------

@pytest.mark.parametrize("offer_id", [INTEGER_MAX + 1, 2**63, 10**30, "9" * 5000])
def test_an_id_the_database_cannot_hold_is_not_found(client, offer_id):
    response = client.get(f"/offers/{offer_id}", headers=EN)
    assert response.status_code == 404
    assert said(client.application, "The page was not found") in response.get_data(as_text=True)


def test_every_integer_in_a_route_is_a_database_id(app):
    converters = [c for rule in app.url_map.iter_rules()
                  for c in (rule._converters or {}).values() if isinstance(c, DatabaseId)]
    int_rules = [rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]
    assert int_rules and len(converters) >= len(int_rules)
    assert all(c.max == INTEGER_MAX for c in converters)


def test_whole_numbers_are_ascii_digits_within_bounds():
    parse = whole_number(1, 10)
    assert parse("7") == 7 and parse(" 10 ") == 10
    for text in ["²", "١", "0", "11", "-1", "1e3", "", "9" * 5000]:
        with pytest.raises(ValueError):
            parse(text)


def test_a_huge_page_of_the_audit_log_is_just_empty(client_as):
    admin = client_as(Role.ADMINISTRATOR)
    for page in ["99999999999999999999", "2147483648", "²", "-3"]:
        assert admin.get(f"/admin/reports/audit?page={page}").status_code == 200


# --- NUL bytes and control characters ---------------------------------------------------

@pytest.mark.parametrize("method, path, kwargs", [
    ("get", "/offers/?q=a%00b", {}),
    ("get", "/consent/abc%00def", {}),
    ("get", "/password/reset/x%00", {}),
    ("post", "/login", {"data": {"email": "a\x00@example.se", "password": "x"}}),
    ("post", "/login", {"data": {"e\x00mail": "a@example.se"}}),
    ("post", "/accessibility", {"json": {"problem": ["it \x00 broke"]}}),
])
def test_a_nul_byte_anywhere_is_refused_before_any_view(client, method, path, kwargs):
    response = getattr(client, method)(path, headers=EN, **kwargs)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert said(client.application, "It contained a character that is not allowed (a zero "
                "byte). Go back, remove it and try again.") in page
    assert response.headers["X-Frame-Options"] == "DENY"


def _register(client, **changes):
    data = {"first_name": "Alva", "last_name": "Larsson",
            "personal_number": "20100514-" + with_check_digit("100514123")[-4:],
            "email": "alva@example.se", "district": "0", "password": "correct horse battery",
            "confirm": "correct horse battery", "accept_privacy": "y"}
    data.update(changes)
    return client.post("/register/youth", data=data, headers=EN)


@pytest.mark.parametrize("name", ["Al\x01va", "Al\x1bva", "Alva\x7f", "Al\x85va", "Al\nva"])
def test_a_control_character_in_a_name_is_a_message_next_to_the_field(app, client, name):
    page = _register(client, first_name=name).get_data(as_text=True)
    assert said(app, "%(field)s contains an invisible control character. Remove it and try "
                "again.", field="First name") in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


@pytest.mark.parametrize("name", ["\u202eavlA", "Alva\u2066x\u2069", "\u202bمحمد\u202c"])
def test_a_direction_override_in_a_name_is_refused(app, client, name):
    page = _register(client, last_name=name).get_data(as_text=True)
    assert said(app, "%(field)s contains an invisible character that changes the direction "
                "of the text. Remove it and try again.", field="Last name") in page


def test_arabic_names_and_direction_marks_are_welcome(app, client):
    with app.app_context():
        district = factories.district()
        db.session.commit()
        district_id = district.id
    response = _register(client, first_name="محمد\u200f", last_name="العلي",
                         district=str(district_id))
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(YouthProfile.first_name)) == "محمد\u200f"


def test_free_text_keeps_line_breaks_tabs_and_direction_controls(app, client):
    text = "Rad ett\r\n\tRad två \u202bمرحبا\u202c"
    response = client.post("/accessibility", data={"problem": text}, headers=EN)
    assert response.status_code == 302
    with app.app_context():
        assert text in db.session.scalar(sa.select(OutgoingMessage.body))
    refused = client.post("/accessibility", data={"problem": "a\x0bb"}, headers=EN)
    assert refused.status_code == 200
    assert "invisible control character" in refused.get_data(as_text=True)


def test_every_form_in_the_app_derives_from_the_base_form(app):
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [c for c in subclasses(FlaskForm) if c.__module__.startswith("youth_app.")]
    assert len(ours) > 20
    assert [c.__qualname__ for c in ours if not issubclass(c, Form)] == []


def test_a_json_body_is_not_a_form(client):
    for body in ([1], "x", 5, {"email": {"a": 1}}, {"email": ["a@example.se"]}):
        response = client.post("/login", json=body, headers=EN)
        assert response.status_code == 200, body


# --- choices, numbers, dates ------------------------------------------------------------

def test_wrong_catalogue_filters_are_left_out_not_a_server_error(app, client):
    with app.app_context():
        factories.offer(round=factories.round_(), title="Parkarbetare")
        db.session.commit()
    for query in ["kind=x", "week=2027-W99", "district=abc", "district=99999999999999",
                  "interest=zzz", "age=²", "age=99999999999999999999", "q=%01"]:
        response = client.get(f"/offers/?{query}", headers=EN)
        assert response.status_code == 200, query
        assert "Parkarbetare" in response.get_data(as_text=True), query


def test_attendance_written_as_a_superscript_approves_nothing(app, client_as):
    admin = client_as(Role.ADMINISTRATOR)
    for value in ["²", "١", "99999999999999999999", "-1"]:
        assert admin.post("/admin/hours", data={"attendance": value}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attendance.id))) == 0


def test_hours_in_other_digits_are_a_message(app, we, world):
    monday = date.fromisocalendar(2027, 25, 1)
    url = f"/provider/offers/{world.ours}/attendance?day={monday}"
    for hours in ["²", "6.555", "NaN", "1e1", "-0", "٦٫٥٥٥"]:
        page = we.post(url, data={f"present-{world.youth_id}": "y",
                                  f"hours-{world.youth_id}": hours}).get_data(as_text=True)
        assert 'role="alert"' in page, hours
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attendance.id))) == 0
    assert we.post(url, data={f"present-{world.youth_id}": "y",
                              f"hours-{world.youth_id}": "6,25"}).status_code == 302
    # Arabic-Indic and Persian digits are digits: "٦" is six hours, as a phone types it.
    assert we.post(url, data={f"present-{world.youth_id}": "y",
                              f"hours-{world.youth_id}": "٦"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Attendance.hours)) == 6


def _round_form(**changes) -> dict:
    data = {"name": "Sommarjobb 2027", "application_opens_at": "2027-02-01T08:00",
            "application_closes_at": "2027-04-15T23:59", "reply_days": "7",
            "reference_date": "2027-06-21", "min_age": "13", "max_age": "19",
            "max_choices": "5", "max_places_per_youth": "2", "max_jobs_per_youth": "1",
            "priority_ranks": "yes"}
    data.update(changes)
    return data


@pytest.mark.parametrize("field, value, label", [
    ("application_opens_at", "0001-01-01T00:00", "Applications open"),
    ("application_closes_at", "9999-12-31T23:59", "Applications close"),
    ("reference_date", "0001-01-01", "Ages are counted on"),
])
def test_a_round_in_year_one_is_a_message_naming_the_field(app, client_as, field, value, label):
    page = client_as(Role.ADMINISTRATOR).post(
        "/admin/rounds/new", data=_round_form(**{field: value}), headers=EN
    ).get_data(as_text=True)
    assert f"{label} must be between" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Round.id))) == 0


def test_an_audit_filter_in_year_one_is_a_message(client_as):
    response = client_as(Role.ADMINISTRATOR).get(
        "/admin/reports/audit?since=0001-01-01&until=9999-12-31", headers=EN)
    assert response.status_code == 200
    assert "To must be between" in response.get_data(as_text=True)


@pytest.mark.parametrize("born", ["00010101", "29990101"])
def test_a_personal_number_born_in_year_one_or_the_future_is_refused(app, client, born):
    number = f"{born}-" + with_check_digit(born[2:] + "123")[-4:]
    page = _register(client, personal_number=number).get_data(as_text=True)
    assert said(app, "The date of birth in this number cannot be right: it is in the future "
                "or before 1900.") in page or "not a valid personal identity number" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(YouthProfile.id))) == 0


def test_a_status_without_a_page_of_its_own_keeps_its_code(app_factory):
    small = app_factory(MAX_CONTENT_LENGTH=100)
    response = small.test_client().post("/accessibility", data={"problem": "x" * 1000},
                                        headers=EN)
    assert response.status_code == 413
    assert "Something in the request was wrong" in response.get_data(as_text=True)



def test_a_refused_guardian_is_one_clear_line_in_the_summary(app, client_as):
    with app.app_context():
        district = factories.district()
        db.session.commit()
        district_id = district.id
    page = client_as(Role.YOUTH).post("/youth/profile", headers=EN, data={
        "private_email": "alva@example.se", "district": str(district_id),
        "guardians-0-name": "Gun\x01"}).get_data(as_text=True)
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    assert '<a href="#guardians-0-name">' in summary
    assert "invisible control character" in summary and "{" not in summary


def test_a_csv_field_over_128_kb_is_a_message(app, client_as):
    import io

    from youth_app.models import PriorityGroup

    with app.app_context():
        group = PriorityGroup(code="targeted", name="Målgrupp")
        db.session.add(group)
        db.session.commit()
        group_id = group.id
    response = client_as(Role.CASEWORKER).post("/caseworker/import", data={
        "group": str(group_id), "file": (io.BytesIO(b"1" * 140_000), "list.csv")})
    assert response.status_code == 200
