"""Data for the served tests, built with ``tests/factories.py`` inside ``Site.seed``.

Each function adds to the session and flushes (for ids); ``Site.seed`` commits. They
return plain values (:class:`Account`, ids), since the objects go with the session.
"""
from __future__ import annotations

import itertools
from datetime import date, timedelta

from youth_app.extensions import db
from youth_app.models import (AllocationMode, Application, OfferKind, Placement,
                              PlacementState, Role, RoundState, utcnow)

from .. import factories
from .clients import Account

_names = itertools.count(1)


def youth_key(youth_id: int) -> str:
    """How an administrator names a youth in the round page's forms: the staff reference
    (the allocation's own keys are random pseudonyms that staff never see)."""
    from youth_app.allocation.problem import staff_reference

    return staff_reference(youth_id)


def offer_key(offer_id: int) -> str:
    from youth_app.allocation.problem import offer_key as key

    return key(offer_id)


def account_of(user) -> Account:
    db.session.flush()
    profile = user.youth_profile
    return Account(email=user.email, password=factories.PASSWORD, user_id=user.id,
                   youth_id=profile.id if profile else None, totp_secret=user.totp_secret,
                   first_name=profile.first_name if profile else "")


def administrator() -> Account:
    return account_of(factories.user(Role.ADMINISTRATOR))


def youth(born: date = date(2010, 5, 14)) -> Account:
    """A confirmed youth with a first name of their own, so pages can be told apart."""
    user = factories.user(Role.YOUTH)
    user.youth_profile.date_of_birth = born
    user.youth_profile.personal_number = factories.personal_number(born)
    user.youth_profile.first_name = f"Ung{next(_names):03d}"
    return account_of(user)


def youths(count: int, **fields) -> list[Account]:
    return [youth(**fields) for _ in range(count)]


def district_id() -> int:
    made = factories.district()
    db.session.flush()
    return made.id


def round_(state: RoundState = RoundState.OPEN, **fields):
    made = factories.round_(state=state, name=f"Omgång {next(_names)}", **fields)
    db.session.flush()
    return made


def activity(round_=None, capacity: int = 3, week: int = 30, **fields):
    """An activity: no guardian's consent is needed to accept it, at any age."""
    made = factories.offer(round=round_, kind=OfferKind.ACTIVITY, capacity=capacity,
                           min_age=13, max_age=19, weeks=[f"2027-W{week}"],
                           title=f"Aktivitet {next(_names)}", **fields)
    db.session.flush()
    return made


def open_activity(capacity: int):
    """First come, first served, then a waiting list."""
    return activity(None, capacity=capacity, allocation_mode=AllocationMode.OPEN)


def choose(account: Account, round_, offers) -> list[int]:
    """The youth's ranked choices, first choice first; returns the offer ids."""
    for rank, offer in enumerate(offers, start=1):
        db.session.add(Application(round_id=round_.id, youth_id=account.youth_id,
                                   offer_id=offer.id, rank=rank))
    db.session.flush()
    return [o.id for o in offers]


def offered_place(account: Account, round_, offer, reply_days: int = 7) -> int:
    """A place offered to the youth, waiting for their answer; returns its id."""
    now = utcnow()
    placement = Placement(round_id=round_.id, youth_id=account.youth_id, offer_id=offer.id,
                          rank=None, state=PlacementState.OFFERED, offered_at=now,
                          reply_by=now + timedelta(days=reply_days))
    db.session.add(placement)
    db.session.flush()
    return placement.id


def allocated_round(places: int = 2, applicants: int = 6):
    """A round allocated by a real run (in-process), waiting to be published: two
    activities of ``places`` places each, ``applicants`` youths wanting both. Returns
    (round id, run id, the youths)."""
    from youth_app.allocation import services as allocation

    made = round_()
    offers = [activity(made, capacity=places, week=26), activity(made, capacity=places,
                                                                 week=28)]
    people = youths(applicants)
    for person in people:
        choose(person, made, offers)
    allocation.close(made)
    run = allocation.start_run(made)
    db.session.commit()
    allocation.execute(run.id)
    return made.id, run.id, people
