"""Social services' data reaches only those who may see it (issue 9, item 1).

A canary: a youth in a priority group with a distinctive reason, kept apart from a
second youth, both applying in a round that is run and published, the first accepting
a place with a provider. Then every page, export and file the app serves (every GET
route of ``app.url_map``, with the world's ids) is fetched as every role, every e-mail
is read, and the log is captured; and:

- the reason text appears only on caseworkers' pages;
- the group (its code or name) never appears on a page or file that also names the
  canary (name, personnummer, pseudonym or staff reference), except for caseworkers;
  auditors' files hold it under the pseudonym only, with no name;
- the canary's pseudonym appears only on the canary's own result page and in
  auditors' files;
- "kept apart" reaches caseworkers only;
- public files carry no per-youth field: no pseudonym, group, district, gender or age.
"""
from __future__ import annotations

import json
import logging
import re
from datetime import date

import pytest
import sqlalchemy as sa

from youth_app import jobs
from youth_app.allocation import problem as problems
from youth_app.allocation import services as allocation
from youth_app.extensions import db
from youth_app.models import (ApartGroup, ApartMember, Application, AuditEvent, JobKind,
                              OfferKind, OutgoingMessage, Placement, PlacementState, PriorityGroup, Role,
                              RoundState, User)

from .. import factories
from ..conftest import forget_used_code, log_in

pytestmark = pytest.mark.hardening

REASON = "KANARIE-SKÄL-7f3a känd av socialtjänsten"
GROUP_CODE, GROUP_NAME = "kanariegrupp", "Kanariegruppen hos socialtjänsten"


@pytest.fixture
def world(app, users):
    """A published round: the canary (flagged) got the place, the partner (kept apart
    from the canary) did not; the canary accepted."""
    with app.test_request_context():
        provider = db.session.get(User, users[Role.PROVIDER].id)
        round_ = factories.round_(state=RoundState.OPEN, policy={
            "max_places_per_youth": 1, "max_jobs_per_youth": 1,
            "priority_tiers": [GROUP_CODE], "priority_ranks": True})
        offer = factories.offer(provider.organisation, round_, kind=OfferKind.ACTIVITY,
                                title="Kajakpaddling", capacity=5, weeks=["2027-W30"],
                                min_age=13, max_age=19)
        people = {}
        for name in ("Kanarie Hemligsson", "Apart Partnersson", "Vanlig Vansson"):
            user = factories.user(Role.YOUTH)
            youth = user.youth_profile
            youth.first_name, youth.last_name = name.split()
            youth.date_of_birth = date(2008, 1, 1)
            people[name.split()[0].lower()] = youth
            db.session.add(Application(round=round_, youth=youth, offer=offer, rank=1))
        canary, partner = people["kanarie"], people["apart"]
        group = PriorityGroup(code=GROUP_CODE, name=GROUP_NAME)
        db.session.add(group)
        db.session.flush()
        from youth_app.caseworker import services as priority

        priority.add(canary, group, REASON, None,
                     db.session.get(User, users[Role.CASEWORKER].id))
        db.session.flush()
        db.session.add(ApartGroup(members=[ApartMember(youth_id=canary.id),
                                           ApartMember(youth_id=partner.id)]))
        db.session.flush()
        allocation.close(round_)
        run = allocation.start_run(round_)
        db.session.commit()
        allocation.execute(run.id)
        allocation.publish(db.session.get(type(round_), round_.id))
        placement = db.session.scalar(sa.select(Placement).where(
            Placement.youth_id == canary.id))
        placement.state = PlacementState.ACCEPTED
        auditor = factories.user(Role.ADMINISTRATOR, auditor=True)
        db.session.commit()
        key = problems.key_of(round_.id, canary.id)
        return {
            "round_id": round_.id, "run_id": run.id, "offer_id": offer.id,
            "job_id": jobs.latest(JobKind.PUBLISH, round_.id).id, "group_id": group.id, "canary_id": canary.id, "partner_id": partner.id,
            "placement_id": placement.id, "key": key, "partner_key": problems.key_of(round_.id, partner.id),
            "identity": [canary.full_name, canary.personal_number, key,
                         problems.staff_reference(canary.id)],
            "logins": {"canary": canary.user.email, "partner": partner.user.email},
            "auditor": (auditor.email, auditor.totp_secret, auditor.id),
        }


def _viewers(app, client, client_as, world) -> dict:
    viewers = {"anonymous": client, "provider": client_as(Role.PROVIDER),
               "caseworker": client_as(Role.CASEWORKER),
               "administrator": client_as(Role.ADMINISTRATOR)}
    for who, email in world["logins"].items():
        viewers[who] = app.test_client()
        assert log_in(viewers[who], email).status_code == 302
    email, secret, auditor_id = world["auditor"]
    forget_used_code(app, auditor_id)
    viewers["auditor"] = app.test_client()
    assert log_in(viewers["auditor"], email, totp_secret=secret).status_code == 302
    return viewers


def _urls(app, world) -> list[tuple[str, str]]:
    """Every GET route, with the world's objects (and both formats of each export)."""
    values = {"round_id": [world["round_id"]], "run_id": [world["run_id"]],
              "job_id": [world["job_id"]],
              "offer_id": [world["offer_id"]], "group_id": [world["group_id"]],
              "placement_id": [world["placement_id"]], "youth_id": [world["canary_id"], world["partner_id"]],
              "reference": [problems.staff_reference(world["canary_id"]),
                            problems.staff_reference(world["partner_id"])],
              "fmt": ["csv", "xlsx"], "what": ["problem", "result"],
              "filename": ["css/app.css"], "token": ["no-such-token"]}
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            combos = [{}]
            for name in rule.arguments:
                combos = [{**c, name: v} for c in combos for v in values[name]]
            urls += [(rule.endpoint, url_for(rule.endpoint, **c)) for c in combos]
    return urls


def _text(response) -> str:
    body = response.get_data()
    if body[:2] == b"PK":  # an XLSX: its cells are in the zipped XML
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return " ".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    return body.decode("utf-8", "replace")


def _names_canary(text: str, world) -> bool:
    return any(re.search(rf"(?<![\w]){re.escape(mark)}(?![\w])", text)
               for mark in world["identity"])


AUDITOR_FILES = {"rounds.audit_file", "rounds.audit_closing_problem"}


def test_the_canary_is_seen_only_where_social_services_may_see_it(
        app, client, client_as, world, caplog):
    caplog.set_level(logging.DEBUG)
    viewers = _viewers(app, client, client_as, world)
    with app.test_request_context():
        from flask_babel import force_locale, gettext

        from youth_app.rounds import staff_reason_text
        with force_locale("sv"):
            kept_apart = staff_reason_text("kept_apart")
            told_youth = gettext("It could not be given to you because of how the groups "
                                 "were put together.")
    checked = 0
    for who, browser in viewers.items():
        for endpoint, url in _urls(app, world):
            response = browser.get(url)
            if response.status_code != 200:
                continue
            text, where = _text(response), (who, url)
            checked += 1
            assert response.status_code < 500, where
            if who == "caseworker":
                continue
            assert REASON not in text, where
            assert kept_apart not in text and told_youth not in text, where
            assert "kept_apart" not in text or endpoint in AUDITOR_FILES, where
            has_group = GROUP_CODE in text or GROUP_NAME in text
            if endpoint in AUDITOR_FILES:
                assert who == "auditor", where
                assert world["identity"][0] not in text and world["identity"][1] not in text
                continue
            assert not (has_group and _names_canary(text, world)), where
            if not (who == "canary" and endpoint == "youth.result"):
                assert world["key"] not in text, where
            if not (who == "partner" and endpoint == "youth.result"):
                assert world["partner_key"] not in text, where
    assert checked > 100  # the walk really reached the pages


def test_mails_and_the_log_hold_nothing_confidential(app, client, client_as, world, caplog):
    caplog.set_level(logging.DEBUG)
    viewers = _viewers(app, client, client_as, world)
    for browser in viewers.values():
        for _endpoint, url in _urls(app, world):
            browser.get(url)
    with app.app_context():
        bodies = [f"{m.subject}\n{m.body}" for m in db.session.scalars(sa.select(OutgoingMessage))]
        canary = db.session.get(User, db.session.scalar(sa.select(User.id).where(
            User.email == world["logins"]["canary"])))
        number = canary.youth_profile.personal_number
    assert any("Kajakpaddling" in b for b in bodies)  # the offer mails were read
    for body in bodies:
        for secret in (REASON, GROUP_CODE, GROUP_NAME, world["key"], world["partner_key"]):
            assert secret not in body
    for secret in (REASON, GROUP_CODE, GROUP_NAME, world["key"], number):
        assert secret not in caplog.text


def test_public_files_carry_no_per_youth_field(client, world):
    lottery = json.loads(client.get(f"/rounds/{world['round_id']}/lottery.json").data)
    assert set(lottery) == {"format", "round", "seed", "seed_fingerprint",
                            "problem_fingerprint", "rule", "draws"}
    assert len(lottery["draws"]) == 3
    assert all(re.fullmatch(r"[0-9a-f]{64}", draw) for draw in lottery["draws"])
    text = json.dumps(lottery, ensure_ascii=False)
    assert world["key"] not in text and GROUP_CODE not in text
    for gone in ("problem", "result"):
        assert client.get(f"/rounds/{world['round_id']}/{gone}.json").status_code == 404


def test_a_youth_can_check_their_own_number_and_only_theirs(app, world):
    import hashlib

    canary = app.test_client()
    log_in(canary, world["logins"]["canary"])
    page = canary.get(f"/youth/rounds/{world['round_id']}/result",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert world["key"] in page and world["partner_key"] not in page
    number = int(re.search(r"Your lottery number is (\d+) of 3", page).group(1))
    lottery = json.loads(canary.get(f"/rounds/{world['round_id']}/lottery.json").data)
    draw = hashlib.sha256(f"{lottery['seed']}:{world['key']}".encode()).hexdigest()
    assert lottery["draws"].index(draw) + 1 == number


def test_pseudonyms_are_random_per_round_and_not_from_database_ids(app, world):
    with app.app_context():
        first = dict(db.session.execute(sa.text(
            "SELECT youth_id, key FROM round_pseudonym")).all())
        again = factories.round_(name="Sommarjobb 2028")
        db.session.flush()
        second = problems.youth_keys(again.id, first)
        db.session.rollback()
    assert len(first) == 3 and first.keys() == second.keys()
    for youth_id, key in first.items():
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{10}", key)
        assert key != second[youth_id] and key != problems.staff_reference(youth_id)


def test_auditors_read_the_full_files_and_every_read_is_audited(app, client_as, world):
    email, secret, auditor_id = world["auditor"]
    forget_used_code(app, auditor_id)
    auditor = app.test_client()
    log_in(auditor, email, totp_secret=secret)
    problem = json.loads(auditor.get(f"/admin/runs/{world['run_id']}/problem.json").data)
    assert {y["id"] for y in problem["youths"] if GROUP_CODE in y["groups"]} == {world["key"]}
    closing = json.loads(auditor.get(
        f"/admin/rounds/{world['round_id']}/closing-problem.json").data)
    import matching

    public = auditor.get(f"/rounds/{world['round_id']}").get_data(as_text=True)
    assert matching.fingerprint(closing) in public
    for url in (f"/admin/runs/{world['run_id']}/result.json",
                f"/admin/rounds/{world['round_id']}/closing-problem.json"):
        assert client_as(Role.ADMINISTRATOR).get(url).status_code == 403
    with app.app_context():
        reads = db.session.scalars(sa.select(AuditEvent.details).where(
            AuditEvent.action == "audit.file_read")).all()
    assert [r["what"] for r in reads] == ["problem", "closing_problem"]


def test_administrators_see_that_priority_was_changed_never_for_whom(app, client_as, world):
    page = client_as(Role.ADMINISTRATOR).get("/admin/reports/audit?action=priority.",
                                             headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert "Social services added a priority" in text  # the line is there ...
    assert "Withheld: social services' confidential data" in text
    assert GROUP_CODE not in text and f"system: {world['canary_id']}" not in text  # ... blank
