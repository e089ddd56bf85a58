"""Social services' CSV import into a priority group: preview, confirm, hostile files.

The upload shows what would happen and writes nothing; only the confirmation imports,
and only what the preview showed. Members already in the group keep their reason and
expiry unless the caseworker chooses to replace them. Pages are requested in English,
and texts compared with the catalogue's, so the tests hold after translation.
"""
from __future__ import annotations

import html
import io
import json
import re
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from youth_app.caseworker import csv_import, services
from youth_app.caseworker.forms import MAX_FILE_SIZE, expiry_problem_text
from youth_app.extensions import db
from youth_app.identity import with_check_digit
from youth_app.models import (AuditEvent, BackgroundJob, PriorityGroup, PriorityMembership,
                              Role, YouthProfile)

from .. import factories

pytestmark = [pytest.mark.staff, pytest.mark.hardening]

OLD_REASON = "Beslut från i våras"
NEW_REASON = "Lista från skolkuratorerna"
ELSE_REASON = "Någon annans skäl"


@pytest.fixture
def caseworker(client_as):
    client = client_as(Role.CASEWORKER)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def world(app):
    """A group with two members (one as the list will have them, one not) and a
    youth who is not in it yet."""
    with app.app_context():
        group = PriorityGroup(code="targeted", name="Socialtjänstens målgrupp")
        new = factories.youth_profile(born=date(2010, 1, 1), first_name="Nora", last_name="Ny")
        other = factories.youth_profile(born=date(2010, 2, 2), first_name="Anton",
                                        last_name="Annan")
        same = factories.youth_profile(born=date(2010, 3, 3), first_name="Siri", last_name="Samma")
        db.session.add_all([
            PriorityMembership(group=group, youth=other, reason=OLD_REASON,
                               expires_on=services.today() + timedelta(days=10)),
            PriorityMembership(group=group, youth=same, reason=NEW_REASON, expires_on=_until())])
        db.session.commit()
        return {"group": group.id, "new": _ref(new), "other": _ref(other), "same": _ref(same)}


def _ref(youth: YouthProfile) -> dict:
    return {"id": youth.id, "name": youth.full_name, "number": youth.personal_number,
            "masked": youth.masked_personal_number}


def _until() -> date:
    return services.today() + timedelta(days=120)


def said(app, msgid: str, **values) -> str:
    with app.test_request_context(), force_locale("en"):
        return gettext(msgid, **values)


def _upload(client, group_id: int, content: bytes | list[str], expires_on=None,
            reason: str = NEW_REASON):
    if isinstance(content, list):
        content = "\n".join(content).encode()
    expires_on = _until() if expires_on is None else expires_on
    # Encoded here, in memory: the test client spools a large body to a temporary file
    # that it never closes (a ResourceWarning, an error under ``filterwarnings``).
    boundary, body = encode_multipart({
        "group": str(group_id), "reason": reason, "expires_on": str(expires_on),
        "file": FileStorage(io.BytesIO(content), filename="lista.csv", content_type="text/csv")})
    return client.post("/caseworker/import", data=body,
                       content_type=f'multipart/form-data; boundary="{boundary}"')


def _confirm(client, token: str, replace: bool = False):
    data = {"token": token, **({"replace": "y"} if replace else {})}
    return client.post("/caseworker/import/confirm", data=data)


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _token(page: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)


def _rows(page: str, table_id: str) -> list[list[str]]:
    """The body rows of one table on the page, as the cells' text."""
    table = re.search(rf'<table id="{table_id}">(.*?)</table>', page, re.S)
    if table is None:
        return []
    body = table.group(1).split("<tbody>", 1)[1]
    return [[re.sub(r"<[^>]+>", "", cell).strip()
             for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _memberships(app) -> dict[int, tuple[str, date | None]]:
    with app.app_context():
        return {m.youth_id: (m.reason, m.expires_on)
                for m in db.session.scalars(sa.select(PriorityMembership))}


def _audit(app, action: str) -> list[dict]:
    with app.app_context():
        return [e.details for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def _list(world) -> list[str]:
    return ["personnummer", world["new"]["number"], world["other"]["number"],
            world["same"]["number"], world["new"]["number"]]


# Preview and confirmation ------------------------------------------------------------

def test_the_preview_shows_what_would_change_and_writes_nothing(app, caseworker, world):
    before = _memberships(app)
    response = _upload(caseworker, world["group"], _list(world))
    page = _page(response)
    assert response.status_code == 200
    new, other, same = world["new"], world["other"], world["same"]
    assert _rows(page, "new") == [["2", new["name"], new["masked"]]]
    assert _rows(page, "changing") == [[
        "3", other["name"], other["masked"], OLD_REASON, NEW_REASON,
        str(services.today() + timedelta(days=10)), str(_until())]]
    assert _rows(page, "unchanged") == [["4", same["name"], same["masked"]]]
    assert _rows(page, "repeated") == [["5", new["name"], new["masked"],
                                        said(app, "as on line %(line)d", line=2)]]
    assert new["number"] not in page and other["number"] not in page, "numbers are masked"
    assert 'name="replace"' in page, "the caseworker is asked about existing members"
    assert _memberships(app) == before
    assert _audit(app, "priority.added") == [] and _audit(app, "priority.changed") == []
    assert _audit(app, "priority.read") == [
        {"what": "import_preview", "group": "targeted", "lines": 4}]


def test_keeping_is_the_default_and_only_adds_the_new(app, caseworker, world):
    token = _token(_page(_upload(caseworker, world["group"], _list(world))))
    before = _memberships(app)
    response = _confirm(caseworker, token)
    assert response.status_code == 302
    after = _memberships(app)
    assert after[world["new"]["id"]] == (NEW_REASON, _until())
    assert after[world["other"]["id"]] == before[world["other"]["id"]], "kept as it was"
    assert len(after) == 3
    assert _audit(app, "priority.added") == [{"group": "targeted", "youth_id": world["new"]["id"]}]
    assert _audit(app, "priority.changed") == []
    flashed = _page(caseworker.get(response.headers["Location"]))
    assert said(app, "Imported. New in the group: %(added)d. Replaced: %(changed)d. "
                "Kept as they were: %(kept)d.", added=1, changed=0, kept=1) in flashed


def test_replacing_changes_existing_members_and_audits_no_reason(app, caseworker, world):
    token = _token(_page(_upload(caseworker, world["group"], _list(world))))
    assert _confirm(caseworker, token, replace=True).status_code == 302
    after = _memberships(app)
    assert after[world["other"]["id"]] == (NEW_REASON, _until())
    assert after[world["same"]["id"]] == (NEW_REASON, _until())
    assert _audit(app, "priority.changed") == [{
        "group": "targeted", "youth_id": world["other"]["id"],
        "changed": ["reason", "expires_on"]}]
    with app.app_context():
        details = json.dumps([e.details for e in db.session.scalars(sa.select(AuditEvent))])
    assert OLD_REASON not in details and NEW_REASON not in details


def _resigned(app, token: str, age: int = 0, secret: str | None = None,
              salt: str = csv_import.CONFIRM_SALT, **changes) -> str:
    """The token's content, changed and signed again: ``age`` seconds old, with
    another ``secret`` or ``salt`` if given."""
    with app.app_context():
        data = csv_import._serializer().loads(token)
    data.update(changes)

    class Dated(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age

    return URLSafeTimedSerializer(secret or app.secret_key, salt=salt,
                                  signer=Dated).dumps(data)


@pytest.mark.parametrize("tamper", [
    "a changed character", "another youth", "another secret", "another salt",
    "another caseworker", "no token"])
def test_a_tampered_confirmation_is_refused(app, caseworker, world, tamper):
    token = _token(_page(_upload(caseworker, world["group"], _list(world))))
    outsider = [[9, world["other"]["id"]]]
    token = {
        "a changed character": lambda: token[:10] + ("A" if token[10] != "A" else "B")
        + token[11:],
        "another youth": lambda: _resigned(app, token, listed=outsider).rsplit(".", 1)[0]
        + "." + token.rsplit(".", 1)[1],
        "another secret": lambda: _resigned(app, token, secret="guessed", listed=outsider),
        "another salt": lambda: _resigned(app, token, salt="some.other.form"),
        "another caseworker": lambda: _resigned(app, token, caseworker=999_999),
        "no token": lambda: "",
    }[tamper]()
    before = _memberships(app)
    response = _confirm(caseworker, token, replace=True)
    assert response.status_code == 400
    assert said(app, "The checked list could not be read. Upload the file again.") \
        in _page(response)
    assert _memberships(app) == before


def test_an_old_confirmation_is_refused(app, caseworker, world):
    token = _token(_page(_upload(caseworker, world["group"], _list(world))))
    max_age = int(csv_import.CONFIRM_MAX_AGE.total_seconds())
    before = _memberships(app)
    response = _confirm(caseworker, _resigned(app, token, age=max_age + 60))
    assert response.status_code == 400
    assert said(app, "You checked the list more than %(minutes)d minutes ago. Upload the "
                "file again.", minutes=max_age // 60) in _page(response)
    assert _memberships(app) == before
    assert _confirm(caseworker, _resigned(app, token, age=max_age - 60)).status_code == 302


def _someone_else_adds_the_new_youth(world) -> None:
    db.session.add(PriorityMembership(group_id=world["group"], youth_id=world["new"]["id"],
                                      reason=ELSE_REASON))


def _someone_else_changes_a_member(world) -> None:
    db.session.scalar(sa.select(PriorityMembership).where(
        PriorityMembership.youth_id == world["other"]["id"])).reason = ELSE_REASON


@pytest.mark.parametrize("meanwhile, changing", [
    (_someone_else_adds_the_new_youth, ["new", "other"]),
    (_someone_else_changes_a_member, ["other"])], ids=["added", "changed"])
def test_a_group_changed_after_the_preview_is_shown_again_not_imported(
        app, caseworker, world, meanwhile, changing):
    token = _token(_page(_upload(caseworker, world["group"], _list(world))))
    with app.app_context():
        meanwhile(world)
        db.session.commit()
    before = _memberships(app)
    response = _confirm(caseworker, token, replace=True)
    page = _page(response)
    assert response.status_code == 200
    assert said(app, "The group changed after you checked the list. This is what the import "
                "would do now: check it and press Import again.") in page
    rows = _rows(page, "changing")
    assert [row[1] for row in rows] == [world[key]["name"] for key in changing]
    assert ELSE_REASON in [row[3] for row in rows], "the page shows the reason as it is now"
    assert _memberships(app) == before, "nothing imported blindly"
    assert _confirm(caseworker, _token(page), replace=True).status_code == 302
    assert _memberships(app)[world["other"]["id"]] == (NEW_REASON, _until())


def test_the_same_confirmation_twice_imports_once(app, caseworker, world):
    token = _token(_page(_upload(caseworker, world["group"], _list(world))))
    assert _confirm(caseworker, token).status_code == 302
    again = _confirm(caseworker, token)
    assert again.status_code == 200 and _rows(_page(again), "new") == []
    assert len(_audit(app, "priority.added")) == 1


def test_a_list_with_a_wrong_line_lists_it_and_cannot_be_confirmed(app, caseworker, world):
    unknown = "20" + with_check_digit("100101999")
    response = _upload(caseworker, world["group"], [
        "personnummer", world["new"]["number"], "not-a-number", unknown])
    page = _page(response)
    assert response.status_code == 200 and 'role="alert"' in page
    assert said(app, "Line %(line)d (%(text)s): %(error)s", line=3, text="not-a-number",
                error=said(app, "not a valid personal identity number")) in page
    assert said(app, "Line %(line)d (%(text)s): %(error)s", line=4, text=unknown,
                error=said(app, "no young person with this number has registered")) in page
    assert 'name="token"' not in page, "no way to confirm a list with wrong lines"
    assert 'id="file"' in page, "the corrected file can be uploaded from here"
    assert _audit(app, "priority.added") == []


def test_a_long_list_shows_its_first_rows_and_imports_every_line(app, caseworker, world,
                                                                  monkeypatch):
    """The page stays small whatever the list's length: each list shows its first rows
    (here two), its count is whole, and confirming imports every line."""
    monkeypatch.setattr(csv_import, "SHOWN_ROWS", 2)
    with app.app_context():
        numbers = [factories.youth_profile(born=date(2010, 4, 1 + n)).personal_number
                   for n in range(3)]
        db.session.commit()
    page = _page(_upload(caseworker, world["group"], ["personnummer", *numbers]))
    assert len(_rows(page, "new")) == 2
    assert said(app, "New in the group: %(count)d", count=3) in page
    assert said(app, "The first %(shown)d of %(count)d are shown here; the import takes all "
                "of them.", shown=2, count=3) in page
    assert _confirm(caseworker, _token(page)).status_code == 302
    assert len(_audit(app, "priority.added")) == 3
    wrong = _page(_upload(caseworker, world["group"], ["personnummer", "x", "y", "z"]))
    assert wrong.count(said(app, "not a valid personal identity number")) == 2
    assert said(app, "The first %(shown)d of %(count)d wrong lines are shown here.",
                shown=2, count=3) in wrong


def _three_new(app) -> list[str]:
    with app.app_context():
        numbers = [factories.youth_profile(born=date(2010, 6, 1 + n)).personal_number
                   for n in range(3)]
        db.session.commit()
    return ["personnummer", *numbers]


def test_a_long_list_is_imported_by_a_job_in_batches(app, caseworker, world, monkeypatch):
    """Past one batch (here one youth) the confirmation returns at once to the job's page,
    which says what the import did once it has; the job keeps no list afterwards."""
    monkeypatch.setattr(csv_import, "BATCH", 1)
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)   # the worker, at once
    token = _token(_page(_upload(caseworker, world["group"], _three_new(app))))
    response = _confirm(caseworker, token)
    assert "/caseworker/imports/" in response.headers["Location"]
    page = _page(caseworker.get(response.headers["Location"]))
    assert said(app, "Imported. New in the group: %(added)d. Replaced: %(changed)d. "
                "Kept as they were: %(kept)d.", added=3, changed=0, kept=0) in page
    assert len(_audit(app, "priority.added")) == 3
    with app.app_context():
        job = db.session.scalar(sa.select(BackgroundJob))
        assert (job.done, job.total) == (3, 3) and "listed" not in job.options


def test_an_import_stopped_half_way_is_continued_without_adding_anyone_twice(
        app, caseworker, world, monkeypatch):
    monkeypatch.setattr(csv_import, "BATCH", 1)
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    add_new, calls = services.add_new, []

    def fails_the_second_time(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the worker was stopped")
        return add_new(*args, **kwargs)

    monkeypatch.setattr(services, "add_new", fails_the_second_time)
    token = _token(_page(_upload(caseworker, world["group"], _three_new(app))))
    job_page = _confirm(caseworker, token).headers["Location"]
    page = _page(caseworker.get(job_page))
    assert said(app, "The import stopped with an error. The young people added before it "
                "are kept; continuing adds the rest, nobody twice.") in page
    assert len(_audit(app, "priority.added")) == 1
    resumed = caseworker.post(job_page + "/resume")
    assert resumed.status_code == 302
    assert said(app, "Imported. New in the group: %(added)d. Replaced: %(changed)d. "
                "Kept as they were: %(kept)d.", added=3, changed=0, kept=0) in _page(
        caseworker.get(job_page))
    added = [row["youth_id"] for row in _audit(app, "priority.added")]
    assert len(added) == 3 == len(set(added))


def test_an_import_job_is_for_social_services_only(app, client_as, caseworker, world,
                                                    monkeypatch):
    monkeypatch.setattr(csv_import, "BATCH", 1)
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    token = _token(_page(_upload(caseworker, world["group"], _three_new(app))))
    job_page = _confirm(caseworker, token).headers["Location"]
    assert client_as(Role.ADMINISTRATOR).get(job_page).status_code in (403, 404)
    with app.app_context():
        job_id = db.session.scalar(sa.select(BackgroundJob.id))
    assert client_as(Role.ADMINISTRATOR).get(f"/admin/jobs/{job_id}").status_code == 404


# Expiry dates --------------------------------------------------------------------------

def _far() -> date:
    return services.latest_expiry() + timedelta(days=1)


@pytest.mark.parametrize("expires_on, problem", [
    (lambda: services.today() - timedelta(days=1), "past"), (lambda: date(1, 1, 1), "past"),
    (lambda: date(9999, 12, 31), "too_far"), (_far, "too_far")],
    ids=["yesterday", "year 1", "year 9999", "a day too far"])
def test_an_expiry_in_the_past_or_too_far_ahead_is_refused(app, caseworker, world,
                                                            expires_on, problem):
    with app.app_context():
        when = expires_on()
    with app.test_request_context(), force_locale("en"):
        message = expiry_problem_text(problem)
    before = _memberships(app)
    for response in (
            _upload(caseworker, world["group"], _list(world), expires_on=when),
            caseworker.post(f"/caseworker/youths/{world['new']['id']}", data={
                "group": world["group"], "reason": NEW_REASON, "expires_on": str(when)})):
        page = _page(response)
        assert response.status_code == 200
        assert message in page
        assert re.search(r'id="expires_on"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*'
                         r'id="expires_on"', page)
    assert _memberships(app) == before
    assert all(read["what"] != "import_preview" for read in _audit(app, "priority.read"))


def test_an_expiry_that_passes_between_preview_and_confirmation_is_refused(
        app, caseworker, world, monkeypatch):
    with app.app_context():
        today = services.today()
    token = _token(_page(_upload(caseworker, world["group"], _list(world), expires_on=today)))
    before = _memberships(app)
    monkeypatch.setattr(services, "today", lambda: today + timedelta(days=1))  # midnight
    response = _confirm(caseworker, token)
    assert response.status_code == 200
    assert said(app, "The expiry date has passed since you checked the list. Upload the "
                "file again with a later date.") in _page(response)
    assert _memberships(app) == before


def test_today_and_the_latest_expiry_are_accepted(app, caseworker, world):
    with app.app_context():
        today, latest = services.today(), services.latest_expiry()
    page = _page(_upload(caseworker, world["group"], _list(world), expires_on=latest))
    assert 'name="token"' in page
    response = caseworker.post(f"/caseworker/youths/{world['new']['id']}", data={
        "group": world["group"], "reason": NEW_REASON, "expires_on": str(today)})
    assert response.status_code == 302
    assert _memberships(app)[world["new"]["id"]] == (NEW_REASON, today)


# Hostile and awkward files -------------------------------------------------------------

def _line_error(app, line: int, code: str, text: str) -> str:
    from youth_app.caseworker.routes import _line_error_text

    with app.test_request_context(), force_locale("en"):
        return gettext("Line %(line)d (%(text)s): %(error)s", line=line, text=text,
                       error=_line_error_text(code))


def test_a_field_over_the_csv_limit_names_its_line(app, caseworker, world):
    huge = '"' + "1" * 200_000 + '"'
    response = _upload(caseworker, world["group"],
                       ["personnummer", world["new"]["number"], huge])
    assert response.status_code == 200
    assert _line_error(app, 3, "too_long", csv_import.shown(huge)) in _page(response)
    assert 'name="token"' not in _page(response)


def test_a_nul_byte_names_its_line(app, caseworker, world):
    content = f"{world['new']['number']}\n2010\x000101-1234\n".encode()
    response = _upload(caseworker, world["group"], content)
    assert response.status_code == 200
    assert _line_error(app, 2, "nul", "2010\ufffd0101-1234") in _page(response)


def test_a_file_that_is_not_utf8_names_its_line(app, caseworker, world):
    content = f"personnummer;namn\n{world['new']['number']};Nora\n{world['other']['number']};" \
        "Björn\n".encode("latin-1")
    response = _upload(caseworker, world["group"], content)
    assert response.status_code == 200
    text = f"{world['other']['number']};Bj\ufffdrn"
    assert _line_error(app, 3, "encoding", text) in _page(response)


@pytest.mark.parametrize("content, message", [
    (b"1" * (csv_import.MAX_FILE_BYTES + 1),
     ("The file is larger than %(size)s. Split the list into smaller files.",
      {"size": MAX_FILE_SIZE})),
    (b"x\n" * (csv_import.MAX_LINES + 1),
     ("The file has more than %(count)d lines. Split the list into smaller files.",
      {"count": csv_import.MAX_LINES})),
    (b"personnummer\r\n\r\n", ("The file holds no personal identity numbers.", {})),
], ids=["too big", "too many lines", "empty"])
def test_a_file_refused_as_a_whole_says_why_on_the_field(app, caseworker, world, content,
                                                         message):
    response = _upload(caseworker, world["group"], content)
    page = _page(response)
    assert response.status_code == 200
    assert said(app, message[0], **message[1]) in page
    assert re.search(r'aria-invalid="true"[^>]*id="file"|id="file"[^>]*aria-invalid="true"', page)
    assert _audit(app, "priority.read") == []


@pytest.mark.parametrize("separator, line_end, bom", [
    (";", "\r\n", True), (",", "\r\n", False), ("\t", "\n", False), (";", "\r", False)])
def test_windows_files_and_any_separator_are_read(app, caseworker, world, separator, line_end,
                                                  bom):
    new, other = world["new"], world["other"]
    text = line_end.join([f"personnummer{separator}namn",
                          f"{new['number'][2:8]}-{new['number'][8:]}{separator}\"Ny, Nora\"",
                          f"\"{other['number']}\"{separator}Anton", ""])
    content = (b"\xef\xbb\xbf" if bom else b"") + text.encode()
    page = _page(_upload(caseworker, world["group"], content))
    assert [row[1] for row in _rows(page, "new")] == [new["name"]]
    assert [row[1] for row in _rows(page, "changing")] == [other["name"]]
    assert 'role="alert"' not in page


def test_invisible_characters_in_a_wrong_line_are_not_repeated(app, caseworker, world):
    content = "personnummer\n\u202e4321-41500102\u202c\n".encode()
    page = _page(_upload(caseworker, world["group"], content))
    assert "\u202e" not in page
    assert _line_error(app, 2, "invalid", "\ufffd4321-41500102\ufffd") in page
