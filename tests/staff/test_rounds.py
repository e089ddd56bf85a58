"""A season from the administrator's pages: create, open, close, run, review, publish."""
from __future__ import annotations

import hashlib
import json
import time
from datetime import date

import matching
import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext, pgettext
from markupsafe import escape

from youth_app.allocation.problem import youth_ids_by_key
from youth_app.extensions import db
from youth_app.models import (AllocationRun, Application, AuditEvent, Offer, OfferKind, PlacementState,
                              PriorityGroup, Role, Round, RoundState, RunStatus, Placement,
                              YouthProfile)

from .. import factories

pytestmark = pytest.mark.staff


def _round_form(**changes) -> dict:
    data = {"name": "Sommarjobb 2027", "application_opens_at": "2027-02-01T08:00",
            "application_closes_at": "2027-04-15T23:59", "reply_days": "7",
            "reference_date": "2027-06-21", "min_age": "13", "max_age": "19",
            "residents_only": "y", "max_choices": "5", "max_places_per_youth": "2",
            "max_jobs_per_youth": "1", "priority_tiers": "targeted", "priority_ranks": "yes",
            "periods": "Period 1: 25-27\nPeriod 2: 28-30\nPeriod 3: 31-32"}
    data.update(changes)
    return data


def _close_and_run(admin, round_id: int) -> str:
    """Close the round and start a run from its page; the run page's address."""
    admin.post(f"/admin/rounds/{round_id}/close")
    return admin.post(f"/admin/rounds/{round_id}/runs").headers["Location"]


def test_create_a_round_with_clear_errors(app, client_as):
    with app.app_context():
        db.session.add(PriorityGroup(code="targeted", name="Målgrupp"))
        db.session.commit()
    admin = client_as(Role.ADMINISTRATOR)
    bad = admin.post("/admin/rounds/new", data=_round_form(
        priority_tiers="targeted, nonsense", periods="Period 1: 27-25",
        application_closes_at="2027-01-01T00:00")).get_data(as_text=True)
    assert bad.count('aria-invalid="true"') == 3
    assert "nonsense" in bad and "Sommarjobb 2027" in bad
    response = admin.post("/admin/rounds/new", data=_round_form())
    assert response.status_code == 302
    with app.app_context():
        round_ = db.session.scalar(sa.select(Round))
        assert round_.state is RoundState.DRAFT
        assert round_.periods[2] == {"name": "Period 3", "weeks": ["2027-W31", "2027-W32"]}
        assert round_.policy["priority_tiers"] == ["targeted"]
        assert round_.application_opens_at.hour == 7  # 08:00 in Sweden is 07:00 UTC


@pytest.fixture
def season(app):
    """An open round with one job and three applicants."""
    with app.app_context():
        round_ = factories.round_(policy={"max_places_per_youth": 1, "max_jobs_per_youth": 1,
                                          "priority_tiers": [], "priority_ranks": True})
        job = factories.offer(round=round_, kind=OfferKind.JOB, capacity=2, min_age=13,
                              max_age=19)
        for i in range(3):
            youth = factories.youth_profile(born=date(2011, 1, 1 + i))
            db.session.add(Application(round=round_, youth=youth, offer=job, rank=1))
        db.session.commit()
        return round_.id, job.id


def test_the_season_from_the_admin_pages(app, client_as, season, client, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    round_id, job_id = season
    admin = client_as(Role.ADMINISTRATOR)
    admin.post(f"/admin/rounds/{round_id}/close")
    public = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        fingerprint, seed = round_.seed_fingerprint, round_.lottery_seed
    assert fingerprint in public and str(seed) not in public
    response = admin.post(f"/admin/rounds/{round_id}/runs")
    run_page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "<svg" in run_page and "<table" in run_page  # each chart with its data
    admin.post(f"/admin/rounds/{round_id}/publish")
    public = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert str(seed) in public
    assert hashlib.sha256(str(seed).encode()).hexdigest() == fingerprint
    lottery = json.loads(client.get(f"/rounds/{round_id}/lottery.json").data)
    assert lottery["seed"] == seed and len(lottery["draws"]) == 3
    assert client.get(f"/rounds/{round_id}/problem.json").status_code == 404
    with app.app_context():
        states = db.session.scalars(sa.select(Placement.state)).all()
    assert states == [PlacementState.OFFERED] * 2


def test_each_step_of_the_season_writes_one_audit_row(app, client_as, season, monkeypatch):
    """Closing draws the seed and freezes the problem, publishing makes every offer: one
    row each, naming what they drew and sent, so the log reads as what people did."""
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    round_id, _job_id = season
    admin = client_as(Role.ADMINISTRATOR)

    def rows_after(press) -> list[tuple[str, dict]]:
        with app.app_context():
            before = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
        press()
        with app.app_context():
            return [(e.action, e.details) for e in db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.id > before,
                                            AuditEvent.action.not_like("auth.%")))]

    closed = rows_after(lambda: admin.post(f"/admin/rounds/{round_id}/close"))
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        seed_shown, problem_shown = round_.seed_fingerprint, round_.problem_fingerprint
    assert [action for action, _ in closed] == ["round.closed"]
    assert closed[0][1]["seed_fingerprint"] == seed_shown
    assert closed[0][1]["problem_fingerprint"] == problem_shown
    assert closed[0][1]["youths"] == 3
    started = rows_after(lambda: admin.post(f"/admin/rounds/{round_id}/runs"))
    assert [action for action, _ in started] == ["allocation.run_started",
                                                 "allocation.run_finished"]
    published = rows_after(lambda: admin.post(f"/admin/rounds/{round_id}/publish"))
    rounds_rows = [(action, details) for action, details in published
                   if action.startswith("round.")]  # each guardian asked is a row of its own
    assert [action for action, _ in rounds_rows] == ["round.published"]
    assert rounds_rows[0][1]["offers"] == 2 and rounds_rows[0][1]["state"] == "published"


def _close_and_wait(app, admin, round_id: int) -> None:
    """Close from the round's page; the problem is frozen by a background job."""
    admin.post(f"/admin/rounds/{round_id}/close")
    for _ in range(100):
        with app.app_context():
            if db.session.get(Round, round_id).problem_fingerprint:
                return
        time.sleep(0.05)
    raise AssertionError("the closing job never froze the problem")


def test_a_run_in_the_background_thread_reports_progress(app, client_as, season):
    round_id, _job = season
    admin = client_as(Role.ADMINISTRATOR)
    _close_and_wait(app, admin, round_id)
    location = admin.post(f"/admin/rounds/{round_id}/runs").headers["Location"]
    run_id = int(location.rstrip("/").split("/")[-1])
    for _ in range(100):
        progress = admin.get(f"/admin/runs/{run_id}/progress.json").get_json()
        if progress["status"] not in ("queued", "running"):
            break
        time.sleep(0.1)
    assert progress == {"status": "succeeded", "progress": 100, "message": "Klar",
                        "error": False}


def test_override_then_rerun_shows_the_difference(app, client_as, season, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    round_id, job_id = season
    admin = client_as(Role.ADMINISTRATOR)
    admin.post(f"/admin/rounds/{round_id}/close")
    admin.post(f"/admin/rounds/{round_id}/runs")
    with app.app_context():
        first = db.session.scalar(sa.select(AllocationRun))
        people = youth_ids_by_key(round_id)  # staff name youths by Y<id>, not pseudonyms
        unplaced = f"Y{people[first.result['unplaced'][0]['youth']]}"
        placed = f"Y{people[first.result['assignments'][0]['youth']]}"
    admin.post(f"/admin/rounds/{round_id}/overrides", data={
        "youth": unplaced, "offer": f"O{job_id}", "kind": "lock", "reason": "Beslut"})
    admin.post(f"/admin/rounds/{round_id}/overrides", data={
        "youth": placed, "offer": f"O{job_id}", "kind": "forbid", "reason": "Beslut"})
    location = admin.post(f"/admin/rounds/{round_id}/runs").headers["Location"]
    page = admin.get(location).get_data(as_text=True)
    assert f"+ {unplaced}" in page and f"− {placed}" in page
    with app.app_context():
        runs = db.session.scalars(sa.select(AllocationRun.status)).all()
    assert runs == [RunStatus.SUCCEEDED, RunStatus.SUCCEEDED]


def test_steps_out_of_order_are_refused_with_a_message(app, client_as, season):
    round_id, _job = season
    page = client_as(Role.ADMINISTRATOR).post(f"/admin/rounds/{round_id}/publish",
                                              follow_redirects=True).get_data(as_text=True)
    with app.test_request_context(), force_locale("sv"):
        message = gettext("That step is not possible now (the round is %(state)s).",
                          state=pgettext("round state", "open"))
    assert 'role="alert"' in page and str(escape(message)) in page
    with app.app_context():
        assert db.session.get(Round, round_id).state is RoundState.OPEN


def test_per_youth_explanation_shows_the_group_only_to_caseworkers(
        app, client_as, season, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    round_id, _job = season
    with app.app_context():
        from youth_app.models import PriorityMembership, Round as RoundModel

        round_ = db.session.get(RoundModel, round_id)
        round_.policy = {**round_.policy, "priority_tiers": ["targeted"]}
        youth_id = db.session.scalar(sa.select(Application.youth_id))
        db.session.add(PriorityMembership(
            group=PriorityGroup(code="targeted", name="Socialtjänstens målgrupp"),
            youth_id=youth_id))
        db.session.commit()
    admin = client_as(Role.ADMINISTRATOR)
    run_url = _close_and_run(admin, round_id)
    explained = f"{run_url}/youths/Y{youth_id}"
    admin_page = admin.get(explained).get_data(as_text=True)
    assert "targeted" not in admin_page and "målgrupp" not in admin_page
    caseworker_page = client_as(Role.CASEWORKER).get(explained).get_data(as_text=True)
    assert "Socialtjänstens målgrupp" in caseworker_page
    assert admin.get(f"{run_url}?youth=y{youth_id}").headers["Location"].endswith(
        f"/youths/Y{youth_id}")


def test_small_priority_counts_hidden_from_administrators_in_the_review(
        app, client_as, season, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    round_id, _job = season
    admin = client_as(Role.ADMINISTRATOR)
    run_url = _close_and_run(admin, round_id)

    def tier_table(client) -> str:
        page = client.get(run_url).get_data(as_text=True)
        start = page.index('id="g-tier-table-caption"')
        return page[start:page.index("</table>", start)]

    assert "färre än 5" in tier_table(admin) and "<td>3</td>" not in tier_table(admin)
    assert "<td>3</td>" in tier_table(client_as(Role.CASEWORKER))


def test_seed_stays_public_while_a_second_run_is_reviewed(app, client_as, season, client,
                                                          monkeypatch):
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    round_id, _job = season
    admin = client_as(Role.ADMINISTRATOR)
    admin.post(f"/admin/rounds/{round_id}/close")
    admin.post(f"/admin/rounds/{round_id}/runs")
    admin.post(f"/admin/rounds/{round_id}/publish")
    admin.post(f"/admin/rounds/{round_id}/runs")  # a second run: the round stays published
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        assert round_.state is RoundState.PUBLISHED
        seed = round_.lottery_seed
    assert str(seed) in client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert client.get(f"/rounds/{round_id}/lottery.json").status_code == 200


def test_the_review_is_counted_once_by_the_run_and_read_back_on_every_view(
        app, client_as, season, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    round_id, _job = season
    admin = client_as(Role.ADMINISTRATOR)
    run_url = _close_and_run(admin, round_id)
    with app.app_context():
        stored = db.session.scalar(sa.select(AllocationRun)).review
    assert stored["figures"]["placed"] == 2 and stored["baseline"]["applicants"] == 3
    solved = []
    real_solve = matching.solve
    monkeypatch.setattr(matching, "solve", lambda *a, **k: solved.append(k) or real_solve(*a, **k))
    for _ in range(3):
        page = admin.get(run_url).get_data(as_text=True)
    assert solved == []  # neither the run nor its baseline is solved again on a view
    table = page[page.index('id="compare-table-caption"'):]
    assert "<td>2</td>" in table[:table.index("</table>")]


def test_a_run_stored_before_reviews_were_stored_gets_its_review_at_first_view(
        app, client_as, season, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    round_id, _job = season
    admin = client_as(Role.ADMINISTRATOR)
    run_url = _close_and_run(admin, round_id)
    with app.app_context():
        run = db.session.scalar(sa.select(AllocationRun))
        # (a run stored before reviews has no changes counted at its end: read live)
        counted = {key: value for key, value in run.review.items() if key != "changes"}
        run.review = None
        db.session.commit()
    assert admin.get(run_url).status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(AllocationRun)).review == counted


def test_the_round_form_names_priority_groups_as_people_say_them(app, client_as):
    with app.app_context():
        db.session.add(PriorityGroup(code="targeted", name="Målgrupp"))
        db.session.commit()
    admin = client_as(Role.ADMINISTRATOR)
    form = admin.get("/admin/rounds/new").get_data(as_text=True)
    assert "Målgrupp" in form and "targeted" not in form
    response = admin.post("/admin/rounds/new", data=_round_form(priority_tiers="målgrupp"))
    assert response.status_code == 302
    with app.app_context():
        round_ = db.session.scalar(sa.select(Round))
        assert round_.policy["priority_tiers"] == ["targeted"]  # the policy keeps the code
        page = admin.get(f"/admin/rounds/{round_.id}/edit").get_data(as_text=True)
    assert 'value="Målgrupp"' in page


def test_staff_find_a_youth_in_a_run_by_name_or_number(app, client_as, season, monkeypatch):
    """Not by an internal number: a part of the name finds one youth (straight to the
    explanation), several are listed to choose from, a personal identity number works,
    and the audit log says a search was made without saying for whom."""
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    round_id, _job_id = season
    with app.app_context():
        youths = db.session.scalars(sa.select(YouthProfile).join(Application).where(
            Application.round_id == round_id).order_by(YouthProfile.id)).all()
        youths[0].first_name, youths[0].last_name = "Ebba", "Lindqvist"
        youths[1].first_name, youths[1].last_name = "Omar", "Lindqvist"
        youths[2].first_name, youths[2].last_name = "Sara", "Berg"
        ids = [y.id for y in youths]
        number = youths[2].personal_number
        db.session.commit()
    admin = client_as(Role.ADMINISTRATOR)
    run_page = _close_and_run(admin, round_id)

    def find(query: str):
        return admin.get(run_page, query_string={"youth": query},
                         headers={"Accept-Language": "en"})

    one = find("ebba lind")
    assert one.status_code == 302 and one.headers["Location"].endswith(f"/youths/Y{ids[0]}")
    several = find("Lindqvist").get_data(as_text=True)
    assert "2 young people match" in several
    assert "Ebba Lindqvist" in several and "Omar Lindqvist" in several and "Berg" not in several
    by_number = find(number)
    assert by_number.headers["Location"].endswith(f"/youths/Y{ids[2]}")
    assert "No young person in this round matches" in find("Nobody%_").get_data(as_text=True)
    assert find(f"y{ids[1]}").headers["Location"].endswith(f"/youths/Y{ids[1]}")
    with app.app_context():
        searches = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "round.applicants_searched")).all()
        assert [event.details["found"] for event in searches] == [1, 2, 1, 0]
        assert all("Lindqvist" not in json.dumps(e.details) and number not in
                   json.dumps(e.details) for e in searches)


def test_decisions_name_the_youth_and_the_offer_as_people_do(app, client_as, season):
    """The decision form takes a name (or personal identity number) and an offer's
    title; an ambiguous or unknown one is told in words, and nothing is saved."""
    from youth_app.models import Override

    round_id, job_id = season
    with app.app_context():
        youths = db.session.scalars(sa.select(YouthProfile).join(Application).where(
            Application.round_id == round_id).order_by(YouthProfile.id)).all()
        for youth, (first, last) in zip(youths, [("Ebba", "Lindqvist"), ("Omar", "Lindqvist"),
                                                  ("Sara", "Berg")]):
            youth.first_name, youth.last_name = first, last
        title, sara = db.session.get(Offer, job_id).title, youths[2].id
        db.session.commit()
    admin = client_as(Role.ADMINISTRATOR)
    _close_and_wait(app, admin, round_id)  # the applicants' codes are drawn by then
    page = admin.get(f"/admin/rounds/{round_id}").get_data(as_text=True)
    assert f'<option value="{escape(title)}">' in page and 'list="round-offers"' in page

    def decide(youth: str, offer: str) -> str:
        return admin.post(f"/admin/rounds/{round_id}/overrides", follow_redirects=True,
                          headers={"Accept-Language": "en"}, data={
                              "youth": youth, "offer": offer, "kind": "lock",
                              "reason": "Beslut"}).get_data(as_text=True)

    assert "Several young people in this round match" in decide("Lindqvist", title)
    assert "No offer in this round has that title" in decide("Sara Berg", "Glassbar")
    assert "No young person in this round has that name" in decide("Nobody", title)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Override.id))) == 0
    decide("sara berg", title.upper())
    with app.app_context():
        (override,) = db.session.scalars(sa.select(Override)).all()
        assert (override.youth_id, override.offer_id) == (sara, job_id)


def test_closing_returns_at_once_and_no_run_starts_before_the_problem_is_frozen(
        app, client_as, season, monkeypatch):
    """Closing draws the seed in the request; a job freezes the problem (seconds at a
    city's size). Until it has, the round says so and no run can start."""
    from html import unescape

    from youth_app import background
    from youth_app.models import BackgroundJob

    started: list[int] = []
    monkeypatch.setattr(background, "start", lambda _app, task, row: started.append(row))
    round_id, _job = season
    admin = client_as(Role.ADMINISTRATOR)
    assert admin.post(f"/admin/rounds/{round_id}/close").status_code == 302
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        assert round_.state is RoundState.CLOSED and round_.seed_fingerprint
        assert round_.problem_fingerprint is None
        assert started == db.session.scalars(sa.select(BackgroundJob.id)).all() != []
    with app.test_request_context(), force_locale("sv"):
        closing = gettext("Closing: the applications are being frozen into the round's "
                          "problem. The allocation can be run when this is done.")
        refused = gettext("The round's problem is still being frozen after closing: wait "
                          "a moment, then run the allocation.")
    page = unescape(admin.get(f"/admin/rounds/{round_id}").get_data(as_text=True))
    assert closing in page
    assert f'action="/admin/rounds/{round_id}/runs"' not in page
    tried = admin.post(f"/admin/rounds/{round_id}/runs", follow_redirects=True)
    assert refused in unescape(tried.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AllocationRun.id))) == 0
        background.run(app, "job", started[0])
        round_ = db.session.get(Round, round_id)
        assert round_.problem_fingerprint == matching.fingerprint(round_.closing_problem)
        closed = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "round.closed")).all()
        assert len(closed) == 1 and closed[0].details["youths"] == 3
        assert closed[0].actor_id is not None, "the closer is named, not the worker"
    page = unescape(admin.get(f"/admin/rounds/{round_id}").get_data(as_text=True))
    assert closing not in page
    assert f'action="/admin/rounds/{round_id}/runs"' in page
