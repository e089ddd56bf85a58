"""``flask demo load``: a Lysekil-like municipality, loaded once."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pyotp
import sqlalchemy as sa

from youth_app import demo
from youth_app.demo import LOGINS, OFFERS, ORGANISATIONS, PASSWORD, TOTP_SECRETS
from youth_app.extensions import db
from youth_app.models import (AllocationRun, Application, District, Offer, OfferKind,
                              Organisation, OrganisationKind, Placement, PlacementState, Role,
                              Round, RoundState, RunStatus, User, YouthProfile)
from youth_app import facts


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_demo_load_fills_the_municipality_once(app, runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert PASSWORD in first.output
    for email in LOGINS.values():
        assert email in first.output
    for secret in TOTP_SECRETS.values():
        assert secret in first.output
    with app.app_context():
        counts = {m: _count(m) for m in (District, Organisation, Offer, YouthProfile,
                                         Application, User, Placement, AllocationRun)}
        assert counts[YouthProfile] == demo.YOUTH_COUNT
        assert 150 <= demo.YOUTH_COUNT <= 250
        assert counts[Organisation] == len(ORGANISATIONS)
        districts = set(db.session.scalars(sa.select(District.name)))
        assert {"Lysekil centrum", "Brastad", "Skaftö", "Fiskebäckskil", "Grundsund"} <= districts
        job_weeks = {w for o in db.session.scalars(sa.select(Offer).where(
            Offer.kind == OfferKind.JOB)) for w in o.weeks}
        assert {w[-3:] for w in job_weeks} == {f"W{n}" for n in range(25, 33)}
        reference = date(demo.season_year(facts.today()), 6, 15)
        ages = {y.age_on(reference) for y in db.session.scalars(sa.select(YouthProfile))}
        assert ages == set(range(13, 20))
    second = runner.invoke(args=["demo", "load", "--if-empty"])
    assert second.exit_code == 0
    third = runner.invoke(args=["demo", "load"])
    assert third.exit_code == 0
    with app.app_context():
        assert {m: _count(m) for m in counts} == counts


def test_no_provider_has_two_offers_of_one_title_in_a_round(app, runner):
    runner.invoke(args=["demo", "load"])
    with app.app_context():
        offers = db.session.scalars(sa.select(Offer)).all()
        same = Counter((o.organisation_id, o.round_id, o.title) for o in offers)
        assert max(same.values()) == 1
        assert len({o.title for o in offers}) == len(OFFERS)


#: What kind of work each provider may plausibly offer: words one of its titles must hold.
FITS = {
    "Lysekils Segelsällskap": ("Segl", "segl", "Kajak"),
    "Lysekils FF": ("Fotboll", "fotboll"),
    "Skaftö Scoutkår": ("Scout",),
    "Lysekils Klätterklubb": ("Klättring",),
    "Havets Hus": ("Havets Hus", "Marinbiologi"),
    "Fiskebäckskils Båtvarv AB": ("Varv",),
    "Brastad Livs AB": ("Butik",),
    "Grundsunds Hamnkrog AB": ("kök", "Disk"),
    "Lysekils kommun, Park och natur": ("Park", "Strand"),
    "Lysekils kommun, Äldreomsorgen": ("äldre",),
    "Lysekils kommun, Kultur och bibliotek": ("bibliotek",),
    "Lysekils kommun, Fritid och simhall": ("Fritid", "fritid", "Sim"),
}


def test_every_offer_fits_its_provider(app, runner):
    assert set(FITS) == {name for name, _kind, _district in ORGANISATIONS}
    for offer in OFFERS:
        assert any(word in offer.title for word in FITS[offer.provider]), offer.title
    runner.invoke(args=["demo", "load"])
    with app.app_context():
        for offer in db.session.scalars(sa.select(Offer)):
            assert any(w in offer.title for w in FITS[offer.organisation.name]), offer.title
        municipal = db.session.scalars(sa.select(Organisation).where(
            Organisation.kind == OrganisationKind.MUNICIPAL_DEPARTMENT)).all()
        assert all(o.name.startswith("Lysekils kommun") for o in municipal)


def test_more_applicants_than_places_and_one_round_open(app, runner):
    runner.invoke(args=["demo", "load"])
    with app.app_context():
        rounds = db.session.scalars(sa.select(Round).order_by(Round.id)).all()
        open_rounds = [r for r in rounds if r.state is RoundState.OPEN]
        assert len(open_rounds) == 1
        current = open_rounds[0]
        assert current.reference_date.year == demo.season_year(facts.today())
        assert rounds[0] is current  # the pages and browser tests find it first
        applicants = db.session.scalar(sa.select(sa.func.count(sa.distinct(
            Application.youth_id))).where(Application.round_id == current.id))
        places = db.session.scalar(sa.select(sa.func.sum(Offer.capacity)).where(
            Offer.round_id == current.id))
        assert applicants > places


def test_last_summer_is_published_with_a_run_and_answers(app, runner):
    runner.invoke(args=["demo", "load"])
    with app.app_context():
        last = db.session.scalar(sa.select(Round).where(
            Round.state == RoundState.PUBLISHED))
        assert last.reference_date.year == demo.season_year(facts.today()) - 1
        run = db.session.scalar(sa.select(AllocationRun).where(
            AllocationRun.round_id == last.id))
        assert run.status is RunStatus.SUCCEEDED and run.published_at is not None
        states = Counter(db.session.scalars(sa.select(Placement.state).where(
            Placement.run_id == run.id)))
        assert states[PlacementState.ACCEPTED] > states[PlacementState.DECLINED] > 0
        youth = db.session.scalar(sa.select(User).where(User.email == LOGINS[Role.YOUTH]))
        assert not db.session.scalars(sa.select(Placement).where(
            Placement.youth_id == youth.youth_profile.id)).all()


def test_every_demo_login_works(app, runner, client):
    runner.invoke(args=["demo", "load"])
    for role, email in LOGINS.items():
        fresh = app.test_client()
        response = fresh.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, role
        if role in TOTP_SECRETS:
            response = fresh.post(response.headers["Location"],
                                  data={"code": pyotp.TOTP(TOTP_SECRETS[role]).now()})
        assert not response.headers["Location"].startswith("/login"), role
        assert fresh.get(response.headers["Location"]).status_code == 200


def test_demo_applications_respect_ranks_and_ages(app, runner):
    runner.invoke(args=["demo", "load"])
    with app.app_context():
        for application in db.session.scalars(sa.select(Application)).all()[:400]:
            age = application.youth.age_on(application.round.reference_date)
            assert application.offer.min_age <= age <= application.offer.max_age
            assert 1 <= application.rank <= application.round.max_choices
        user = db.session.scalar(sa.select(User).where(User.email == LOGINS[Role.YOUTH]))
        assert user.youth_profile is not None


def test_make_run_loads_demo_only_into_an_empty_database(app, runner, users):
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0
    with app.app_context():
        assert _count(YouthProfile) == 1  # only the fixture's youth
