"""Test data: small functions that add valid objects to the session (not committed)."""
from __future__ import annotations

import itertools

import pyotp
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from youth_app import security
from youth_app.extensions import db
from youth_app.identity import with_check_digit
from youth_app.models import (District, Offer, OfferKind, OfferStatus, Organisation,
                              OrganisationKind, Role, Round, RoundState, User, YouthProfile,
                              utcnow)

PASSWORD = "correct horse battery"
_counter = itertools.count(1)
_hash_cache: dict[str, str] = {}


@dataclass(frozen=True)
class UserRef:
    """A committed user, safe to use outside the app context that made it."""
    id: int
    email: str
    role: Role
    totp_secret: str | None = None


def password_hash(password: str = PASSWORD) -> str:
    """Hash once per password: argon2 is slow on purpose, tests need not be."""
    if password not in _hash_cache:
        _hash_cache[password] = security.hash_password(password)
    return _hash_cache[password]


def personal_number(born: date) -> str:
    serial = next(_counter) % 1000
    return f"{born.year // 100}{with_check_digit(f'{born:%y%m%d}{serial:03d}')}"


def org_number() -> str:
    return with_check_digit(f"80{next(_counter):07d}")


def district(name: str = "Brastad") -> District:
    found = db.session.scalar(db.select(District).where(District.name == name))
    if found is None:
        found = District(name=name)
        db.session.add(found)
    return found


def organisation(name: str = "Testföreningen", approved: bool = True) -> Organisation:
    org = Organisation(name=name, kind=OrganisationKind.ASSOCIATION, org_number=org_number(),
                       contact_name="Kim Kontakt", contact_email=f"org{next(_counter)}@test.example",
                       terms_accepted_at=utcnow(), approved_at=utcnow() if approved else None)
    db.session.add(org)
    return org


def user(role: Role, email: str | None = None, confirmed: bool = True, **fields) -> User:
    email = email or f"{role.value}{next(_counter)}@test.example"
    if role.is_staff:
        fields.setdefault("totp_secret", pyotp.random_base32())
    made = User(email=email, password_hash=password_hash(), role=role,
                email_confirmed_at=utcnow() if confirmed else None, **fields)
    if role is Role.PROVIDER and made.organisation is None:
        made.organisation = organisation()
    if role is Role.YOUTH:
        made.youth_profile = youth_profile()
    db.session.add(made)
    return made


def youth_profile(born: date = date(2010, 5, 14), **fields) -> YouthProfile:
    values = dict(first_name="Alva", last_name="Test", date_of_birth=born,
                  personal_number=personal_number(born), district=district(),
                  resident=True)
    values.update(fields)
    profile = YouthProfile(**values)
    db.session.add(profile)
    return profile


def one_user_per_role() -> dict[Role, User]:
    made = {role: user(role) for role in Role}
    db.session.flush()
    return made


def round_(state: RoundState = RoundState.OPEN, **fields) -> Round:
    now = utcnow()
    values = dict(name="Sommarjobb 2027", state=state,
                  application_opens_at=now - timedelta(days=1),
                  application_closes_at=now + timedelta(days=30),
                  reference_date=date(2027, 6, 15))
    values.update(fields)
    made = Round(**values)
    db.session.add(made)
    return made


def offer(org: Organisation | None = None, round: Round | None = None, **fields) -> Offer:
    values = dict(kind=OfferKind.JOB, title="Parkarbetare", capacity=3,
                  weeks=["2027-W25", "2027-W26"], status=OfferStatus.PUBLISHED)
    values.update(fields)
    made = Offer(organisation=org or organisation(), round=round, **values)
    db.session.add(made)
    return made


def aware(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=timezone.utc)
