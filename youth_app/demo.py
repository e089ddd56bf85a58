"""Demo data for a Lysekil-like municipality, loaded by ``flask demo load``.

Deterministic (a seeded random generator) and idempotent: a second load finds the demo
administrator and changes nothing. All names, numbers and addresses are invented.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from . import facts
from . import security
from .extensions import db
from .identity import with_check_digit
from .models import (AllocationMode, Application, District, Offer, OfferKind, OfferStatus,
                     Organisation, OrganisationKind, PriorityGroup, PriorityMembership, Role,
                     Round, RoundState, User, YouthProfile, utcnow)

PASSWORD = "sommar-demo-2026"
LOGINS = {
    Role.ADMINISTRATOR: "admin@lysekil.example",
    Role.CASEWORKER: "socialtjanst@lysekil.example",
    Role.PROVIDER: "arrangor@lysekil.example",
    Role.YOUTH: "ungdom@lysekil.example",
}
#: Known second-factor secrets of the demo staff, for any authenticator app or
#: ``oathtool --totp -b SECRET``. Demo only: real staff get their own at first login.
TOTP_SECRETS = {
    Role.ADMINISTRATOR: "LYSEKILSOMMARJOBBADMINISTRATORXX",
    Role.CASEWORKER: "LYSEKILSOMMARJOBBSOCIALTJANSTXXX",
}
DISTRICTS = ["Lysekil centrum", "Brastad", "Skaftö", "Fiskebäckskil", "Grundsund", "Lyse",
             "Bro", "Södra Valbo"]
ORGANISATIONS = [
    ("Lysekils Segelsällskap", OrganisationKind.ASSOCIATION, "Lysekil centrum"),
    ("Brastad Fotbollsklubb", OrganisationKind.ASSOCIATION, "Brastad"),
    ("Skaftö Scoutkår", OrganisationKind.ASSOCIATION, "Skaftö"),
    ("Lysekils Konstförening", OrganisationKind.ASSOCIATION, "Lysekil centrum"),
    ("Havsbadets Kafé AB", OrganisationKind.BUSINESS, "Lysekil centrum"),
    ("Fiskebäckskils Båtvarv AB", OrganisationKind.BUSINESS, "Fiskebäckskil"),
    ("Brastad Livs AB", OrganisationKind.BUSINESS, "Brastad"),
    ("Grundsunds Hamnkrog AB", OrganisationKind.BUSINESS, "Grundsund"),
    ("Lysekils kommun, Park och natur", OrganisationKind.MUNICIPAL_DEPARTMENT, "Lysekil centrum"),
    ("Lysekils kommun, Äldreomsorgen", OrganisationKind.MUNICIPAL_DEPARTMENT, "Brastad"),
    ("Lysekils kommun, Kultur och bibliotek", OrganisationKind.MUNICIPAL_DEPARTMENT,
     "Lysekil centrum"),
    ("Lysekils kommun, Fritidsgården", OrganisationKind.MUNICIPAL_DEPARTMENT, "Lyse"),
]
JOB_TITLES = ["Parkarbetare", "Kafébiträde", "Båtvarvsmedhjälpare", "Butiksbiträde",
              "Hamnvärd", "Sällskap för äldre", "Biblioteksassistent", "Fritidsledare",
              "Strandstädare", "Seglingsinstruktör (assistent)", "Köksbiträde",
              "Vaktmästare"]
ACTIVITY_TITLES = ["Seglarskola", "Fotbollsläger", "Kajak i skärgården", "Konstverkstad",
                   "Scoutläger på Skaftö", "Fiske från bryggan", "Musikstudio",
                   "Friluftsdag med grillning", "Dans", "E-sportkväll", "Simskola",
                   "Klättring", "Film och foto", "Matlagning", "Skrivarverkstad"]
FIRST_NAMES = ["Alva", "Elsa", "Maja", "Wilma", "Ella", "Saga", "Alice", "Ebba", "Nora",
               "Liam", "Noah", "William", "Hugo", "Lucas", "Elias", "Oscar", "Adam", "Leo",
               "Amira", "Yasmin", "Fatima", "Sara", "Omar", "Ali", "Mohammed", "Yusuf",
               "Aya", "Hanna", "Ahmed", "Nour", "Emil", "Isak", "Vera", "Selma", "Ines"]
LAST_NAMES = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson",
              "Olsson", "Persson", "Svensson", "Gustafsson", "Hassan", "Ali", "Mohamed",
              "Abdi", "Berg", "Lind", "Strand", "Holm", "Sjöberg", "Ek"]
#: Interest tags (``catalogue.services.INTERESTS``) by a word in the title.
TITLE_INTERESTS = {"Park": ["nature"], "Kafé": ["food", "shop"], "Båt": ["sea"],
                   "Butik": ["shop"], "Hamn": ["sea"], "äldre": ["people"],
                   "Bibliotek": ["culture"], "Fritid": ["people", "games"],
                   "Strand": ["nature", "sea"], "Segl": ["sea", "sport"], "Kök": ["food"],
                   "Vaktmästare": ["people"], "Fotboll": ["sport"], "Kajak": ["sea", "sport"],
                   "Konst": ["culture"], "Scout": ["nature"], "Fiske": ["sea", "nature"],
                   "Musik": ["music"], "Frilufts": ["nature"], "Dans": ["music", "sport"],
                   "E-sport": ["games"], "Sim": ["sport", "sea"], "Klättring": ["sport"],
                   "Film": ["culture"], "Matlagning": ["food"], "Skrivar": ["culture"]}
YOUTH_COUNT = 300
PERIODS = [(25, 27), (28, 30), (31, 32)]


def logins_text() -> str:
    lines = [f"  {role.value:<14} {email}" + (f"   TOTP secret {TOTP_SECRETS[role]}"
                                              if role in TOTP_SECRETS else "")
             for role, email in LOGINS.items()]
    return "Demo logins (password: %s):\n%s" % (PASSWORD, "\n".join(lines))


def season_year(today: date) -> int:
    """The coming summer: this year's until August, then next year's."""
    return today.year if today.month < 9 else today.year + 1


def weeks(year: int, first: int, last: int) -> list[str]:
    return [f"{year}-W{week:02d}" for week in range(first, last + 1)]


def database_is_empty() -> bool:
    return db.session.scalar(sa.select(User.id).limit(1)) is None


def load() -> bool:
    """Load the demo; ``False`` when it was already there."""
    if db.session.scalar(sa.select(User.id).where(User.email == LOGINS[Role.ADMINISTRATOR])):
        return False
    rng = random.Random(2026)
    password_hash = security.hash_password(PASSWORD)
    districts = {name: District(name=name) for name in DISTRICTS}
    db.session.add_all(districts.values())
    _staff(password_hash)
    year = season_year(facts.today())
    round_ = _round(year)
    organisations = _organisations(districts, password_hash, rng)
    offers = _offers(organisations, round_, year, rng)
    youths = _youths(districts, password_hash, year, rng)
    _applications(round_, youths, offers, rng)
    _priority(youths, rng)
    db.session.flush()
    return True


def _staff(password_hash: str) -> None:
    confirmed = utcnow()
    for role in (Role.ADMINISTRATOR, Role.CASEWORKER):
        # The demo administrator is also an auditor, so the audit files can be tried out.
        db.session.add(User(email=LOGINS[role], password_hash=password_hash, role=role,
                            email_confirmed_at=confirmed, totp_secret=TOTP_SECRETS[role],
                            auditor=role is Role.ADMINISTRATOR))


def _round(year: int) -> Round:
    now = utcnow()
    opens = min(now - timedelta(days=1), datetime(year, 1, 15, tzinfo=timezone.utc))
    round_ = Round(
        name=f"Sommarjobb {year}", state=RoundState.OPEN,
        application_opens_at=opens,
        application_closes_at=max(now + timedelta(days=30),
                                  datetime(year, 4, 15, 22, tzinfo=timezone.utc)),
        reference_date=date(year, 6, 15), min_age=13, max_age=19, max_choices=5,
        policy={"max_places_per_youth": 2, "max_jobs_per_youth": 1,
                "priority_tiers": ["targeted"], "priority_ranks": True},
        periods=[{"name": f"Period {i + 1}", "weeks": weeks(year, first, last)}
                 for i, (first, last) in enumerate(PERIODS)])
    db.session.add(round_)
    return round_


def _organisations(districts, password_hash, rng) -> list[tuple[Organisation, District]]:
    organisations = []
    for index, (name, kind, district) in enumerate(ORGANISATIONS):
        number = with_check_digit(f"80{index:02d}{rng.randrange(10**5):05d}")
        org = Organisation(name=name, kind=kind, org_number=number,
                           contact_name=f"Kontakt {name.split()[0]}",
                           contact_email=f"kontakt{index + 1}@org.example",
                           contact_phone=f"0523-{rng.randrange(10000, 99999)}",
                           terms_accepted_at=utcnow(), approved_at=utcnow())
        email = LOGINS[Role.PROVIDER] if index == 0 else f"arrangor{index + 1}@org.example"
        db.session.add(User(email=email, password_hash=password_hash, role=Role.PROVIDER,
                            organisation=org, email_confirmed_at=utcnow()))
        organisations.append((org, districts[district]))
    return organisations


def _offers(organisations, round_, year, rng) -> list[Offer]:
    offers = []
    for index, title in enumerate(JOB_TITLES * 3):
        first, last = PERIODS[index % 3]
        org, district = organisations[index % len(organisations)]
        offers.append(_offer(org, district, round_, OfferKind.JOB, title, weeks(year, first, last),
                             capacity=rng.randint(2, 5), min_age=15, max_age=17))
    for index, title in enumerate(ACTIVITY_TITLES * 2):
        start = 25 + (index * 3) % 8
        org, district = organisations[(index + 3) % len(organisations)]
        mode = AllocationMode.OPEN if index % 5 == 4 else AllocationMode.ROUND
        offer = _offer(org, district, round_ if mode is AllocationMode.ROUND else None,
                       OfferKind.ACTIVITY, title,
                       weeks(year, start, start + rng.randint(0, 1)),
                       capacity=rng.randint(8, 20), min_age=13, max_age=19)
        offer.allocation_mode = mode
        offers.append(offer)
    db.session.add_all(offers)
    return offers


def _offer(org, district, round_, kind, title, offer_weeks, capacity, min_age, max_age) -> Offer:
    return Offer(organisation=org, round=round_, kind=kind, title=title,
                 description=f"{title} hos {org.name}.", place=org.name,
                 district=district, weeks=offer_weeks, capacity=capacity,
                 min_age=min_age, max_age=max_age, status=OfferStatus.PUBLISHED,
                 supervisor_name=org.contact_name, supervisor_phone=org.contact_phone,
                 meeting_point=f"Entrén, {org.name}",
                 interests=sorted({tag for word, tags in TITLE_INTERESTS.items()
                                   if word.lower() in title.lower() for tag in tags}))


def _youths(districts, password_hash, year, rng) -> list[YouthProfile]:
    youths: list[YouthProfile] = []
    used: set[str] = set()
    district_list = list(districts.values())
    for index in range(YOUTH_COUNT):
        born = date(year - rng.randint(13, 19), rng.randint(1, 12), rng.randint(1, 28))
        number = _personal_number(born, rng, used)
        email = LOGINS[Role.YOUTH] if index == 0 else f"ungdom{index:03d}@demo.example"
        user = User(email=email, password_hash=password_hash, role=Role.YOUTH,
                    email_confirmed_at=utcnow())
        first = "Alva" if index == 0 else rng.choice(FIRST_NAMES)
        youth = YouthProfile(user=user, first_name=first, last_name=rng.choice(LAST_NAMES),
                             date_of_birth=born, personal_number=number,
                             private_email=email, district=rng.choice(district_list),
                             school_year=min(12, max(6, year - born.year - 7)),
                             languages=["sv"])
        db.session.add(user)
        youths.append(youth)
    return youths


def _personal_number(born: date, rng, used: set[str]) -> str:
    while True:
        nine = f"{born:%y%m%d}{rng.randrange(1000):03d}"
        number = f"{born.year // 100}{with_check_digit(nine)}"
        if number not in used:
            used.add(number)
            return number


def _applications(round_, youths, offers, rng) -> None:
    in_round = [o for o in offers if o.round is round_]
    popularity = [1.0 / (1 + i % 7) for i in range(len(in_round))]
    for youth in youths:
        age = youth.age_on(round_.reference_date)
        eligible = [(o, w) for o, w in zip(in_round, popularity) if o.min_age <= age <= o.max_age]
        chosen: list[Offer] = []
        for _attempt in range(20):
            if len(chosen) == min(5, len(eligible)):
                break
            offer = rng.choices([o for o, _w in eligible], [w for _o, w in eligible])[0]
            if offer not in chosen:
                chosen.append(offer)
        for rank, offer in enumerate(chosen, start=1):
            db.session.add(Application(round=round_, youth=youth, offer=offer, rank=rank))


def _priority(youths, rng) -> None:
    targeted = PriorityGroup(code="targeted", name="Socialtjänstens målgrupp",
                             description="Ungdomar som socialtjänsten riktar insatser till.")
    db.session.add_all([
        targeted,
        PriorityGroup(code="no_previous_placement", name="Sökte förra året men fick inget",
                      automatic=True),
        PriorityGroup(code="first_time", name="Söker för första gången", automatic=True),
    ])
    for youth in rng.sample(youths[1:], k=len(youths) // 10):
        db.session.add(PriorityMembership(group=targeted, youth=youth,
                                          reason="Demo", expires_on=None))
