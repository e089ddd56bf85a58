"""``flask demo load``: a Lysekil-like municipality, loaded once."""
from __future__ import annotations

import sqlalchemy as sa

import pyotp

from youth_app.demo import LOGINS, PASSWORD, TOTP_SECRETS
from youth_app.extensions import db
from youth_app.models import (Application, District, Offer, OfferKind, Organisation, Role,
                              User, YouthProfile)


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
                                         Application, User)}
        assert counts[YouthProfile] == 300
        assert counts[Organisation] >= 12
        districts = set(db.session.scalars(sa.select(District.name)))
        assert {"Lysekil centrum", "Brastad", "Skaftö", "Fiskebäckskil"} <= districts
        job_weeks = {w for o in db.session.scalars(sa.select(Offer).where(
            Offer.kind == OfferKind.JOB)) for w in o.weeks}
        assert {w[-3:] for w in job_weeks} == {f"W{n}" for n in range(25, 33)}
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    with app.app_context():
        assert {m: _count(m) for m in counts} == counts


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
