"""Demo data for a Lysekil-like municipality, loaded by ``flask demo load``.

A believable summer: last summer's round (closed, allocated by the real optimiser,
published and answered, so history, reports and run pages have data) and this coming
summer's round, open for applications, with more applicants than places. Every offer
names its provider in one table (``OFFERS``), so a test can check that each fits.

Deterministic (a seeded random generator) and idempotent: a second load finds the demo
administrator and changes nothing. All names, numbers and addresses are invented.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from . import facts
from . import security
from .extensions import db
from .identity import with_check_digit
from .models import (AllocationMode, Application, District, Guardian, Offer, OfferKind,
                     OfferStatus, Organisation, OrganisationKind, Placement, PriorityGroup,
                     PriorityMembership, Role, Round, RoundState, User, YouthProfile, utcnow)

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
#: The providers: name, kind, district. The first one has the demo provider login.
ORGANISATIONS = [
    ("Lysekils Segelsällskap", OrganisationKind.ASSOCIATION, "Lysekil centrum"),
    ("Lysekils FF", OrganisationKind.ASSOCIATION, "Lysekil centrum"),
    ("Skaftö Scoutkår", OrganisationKind.ASSOCIATION, "Skaftö"),
    ("Lysekils Klätterklubb", OrganisationKind.ASSOCIATION, "Lysekil centrum"),
    ("Havets Hus", OrganisationKind.BUSINESS, "Lysekil centrum"),
    ("Fiskebäckskils Båtvarv AB", OrganisationKind.BUSINESS, "Fiskebäckskil"),
    ("Brastad Livs AB", OrganisationKind.BUSINESS, "Brastad"),
    ("Grundsunds Hamnkrog AB", OrganisationKind.BUSINESS, "Grundsund"),
    ("Lysekils kommun, Park och natur", OrganisationKind.MUNICIPAL_DEPARTMENT, "Lysekil centrum"),
    ("Lysekils kommun, Äldreomsorgen", OrganisationKind.MUNICIPAL_DEPARTMENT, "Brastad"),
    ("Lysekils kommun, Kultur och bibliotek", OrganisationKind.MUNICIPAL_DEPARTMENT,
     "Lysekil centrum"),
    ("Lysekils kommun, Fritid och simhall", OrganisationKind.MUNICIPAL_DEPARTMENT,
     "Lysekil centrum"),
]


@dataclass(frozen=True)
class DemoOffer:
    """One offer of the demo, with the provider that gives it."""
    provider: str
    kind: OfferKind
    title: str
    #: A summer job: the round's period (1-based); an activity: its first and last week.
    when: tuple[int, ...]
    capacity: int
    min_age: int
    max_age: int
    place: str
    district: str
    description: str
    interests: tuple[str, ...]
    mode: AllocationMode = AllocationMode.ROUND


J, A = OfferKind.JOB, OfferKind.ACTIVITY
OFFERS = [
    DemoOffer("Lysekils kommun, Park och natur", J, "Parkarbete i Lysekil centrum", (1,), 6,
              15, 17, "Kommunens parker vid Rosvik", "Lysekil centrum",
              "Klipp gräs, rensa rabatter och plantera sommarblommor tillsammans med "
              "kommunens parkarbetare.", ("nature",)),
    DemoOffer("Lysekils kommun, Park och natur", J, "Parkarbete i Brastad", (2,), 4, 15, 17,
              "Brastads park och idrottsplats", "Brastad",
              "Skötsel av parker, lekplatser och gångvägar i Brastad.", ("nature",)),
    DemoOffer("Lysekils kommun, Park och natur", J, "Strandstädning vid badplatserna", (3,), 4,
              15, 17, "Pinnevik och Sandvik", "Skaftö",
              "Håll badplatserna rena, töm soptunnor och sätt upp skyltar.", ("nature", "sea")),
    DemoOffer("Lysekils kommun, Äldreomsorgen", J, "Kafébiträde på äldreboendets kafé", (1,), 3,
              16, 19, "Äldreboendet i Brastad", "Brastad",
              "Servera kaffe, duka och prata med de boende i kaféet.", ("people", "food")),
    DemoOffer("Lysekils kommun, Äldreomsorgen", J, "Sällskap och promenader med äldre", (2,), 3,
              16, 19, "Äldreboendet i Lysekil", "Lysekil centrum",
              "Följ med på promenader, spela spel och läs högt för de äldre.", ("people",)),
    DemoOffer("Lysekils kommun, Kultur och bibliotek", J, "Sommarboksassistent på biblioteket",
              (2,), 2, 15, 17, "Lysekils bibliotek", "Lysekil centrum",
              "Hjälp barn med Sommarboken: tipsa om böcker och håll i lässtunder.",
              ("culture", "people")),
    DemoOffer("Havets Hus", J, "Guideassistent på Havets Hus", (1,), 3, 15, 19,
              "Havets Hus, Strandvägen", "Lysekil centrum",
              "Visa besökare akvarierna, berätta om Gullmarsfjordens djur och hjälp till "
              "vid beröringsbassängen.", ("sea", "people")),
    DemoOffer("Havets Hus", J, "Entré- och butiksbiträde på Havets Hus", (3,), 2, 16, 19,
              "Havets Hus, Strandvägen", "Lysekil centrum",
              "Sälj biljetter och hjälp till i museibutiken.", ("shop", "sea")),
    DemoOffer("Fiskebäckskils Båtvarv AB", J, "Varvsmedhjälpare", (1,), 2, 16, 19,
              "Varvet i Fiskebäckskil", "Fiskebäckskil",
              "Slipa, måla och hjälp till när båtar sjösätts.", ("sea",)),
    DemoOffer("Brastad Livs AB", J, "Butiksbiträde, varupåfyllning", (2,), 3, 16, 19,
              "Butiken i Brastad", "Brastad",
              "Fyll på hyllor, ta emot leveranser och hjälp kunder att hitta.", ("shop",)),
    DemoOffer("Grundsunds Hamnkrog AB", J, "Diskare och köksbiträde", (3,), 2, 16, 19,
              "Hamnkrogen i Grundsund", "Grundsund",
              "Disk, förberedelser i köket och hjälp vid lunchserveringen.", ("food",)),
    DemoOffer("Lysekils FF", J, "Ledare på fotbollsskolan", (1,), 4, 15, 19,
              "Madens IP", "Lysekil centrum",
              "Led övningar och lekar för barn 7–12 år på klubbens sommarfotbollsskola.",
              ("sport", "people")),
    DemoOffer("Lysekils Segelsällskap", J, "Hjälpledare på seglarlägret", (2,), 3, 15, 19,
              "Klubbhuset, Södra hamnen", "Lysekil centrum",
              "Hjälp instruktörerna med jollar, säkerhetsbåt och lägrets måltider.",
              ("sea", "sport")),
    DemoOffer("Lysekils kommun, Fritid och simhall", J, "Fritidsledare på kvällsöppet", (3,), 2,
              17, 19, "Fritidsgården i Lyse", "Lyse",
              "Håll i kvällsaktiviteter på fritidsgården tillsammans med fritidsledarna.",
              ("people", "games")),
    DemoOffer("Lysekils Segelsällskap", A, "Seglarskola för nybörjare", (26, 27), 10, 13, 16,
              "Klubbhuset, Södra hamnen", "Lysekil centrum",
              "Lär dig segla optimist och jolle. Flytväst finns att låna.", ("sea", "sport")),
    DemoOffer("Lysekils Segelsällskap", A, "Kajak i Gullmarsfjorden", (31, 31), 8, 14, 19,
              "Klubbhuset, Södra hamnen", "Lysekil centrum",
              "Paddla kajak längs fjorden med erfarna ledare.", ("sea", "sport")),
    DemoOffer("Lysekils Klätterklubb", A, "Klättring för nybörjare", (28, 28), 8, 13, 19,
              "Klätterväggen i sporthallen", "Lysekil centrum",
              "Prova att klättra med rep och lär dig säkra en kompis.", ("sport",)),
    DemoOffer("Lysekils kommun, Kultur och bibliotek", A, "Konstverkstad i biblioteket", (29, 29),
              12, 13, 19, "Lysekils bibliotek", "Lysekil centrum",
              "Måla, teckna och gör serier tillsammans med en konstnär.", ("culture",)),
    DemoOffer("Lysekils kommun, Fritid och simhall", A, "Simskola i Havsbadet", (25, 26), 12,
              13, 16, "Havsbadet", "Lysekil centrum",
              "Simträning i liten grupp, från första simtagen till simborgarmärket.",
              ("sport", "sea")),
    DemoOffer("Lysekils kommun, Fritid och simhall", A, "Gamingkväll på fritidsgården", (27, 27),
              16, 13, 19, "Fritidsgården i Lyse", "Lyse",
              "Spela konsol- och brädspel med andra. Anmälan först till kvarn.", ("games",),
              AllocationMode.OPEN),
    DemoOffer("Skaftö Scoutkår", A, "Scoutläger på Skaftö", (30, 30), 15, 13, 17,
              "Scoutstugan på Skaftö", "Skaftö",
              "En vecka med tältliv, hajk, matlagning över öppen eld och bad.", ("nature",)),
    DemoOffer("Lysekils FF", A, "Fotbollsläger", (31, 31), 20, 13, 16, "Madens IP",
              "Lysekil centrum", "Träning, matcher och lunch varje dag i en vecka.", ("sport",)),
    DemoOffer("Havets Hus", A, "Marinbiologi för unga", (29, 29), 10, 13, 17,
              "Havets Hus, Strandvägen", "Lysekil centrum",
              "Håva, undersök och lär dig om djuren i fjorden tillsammans med en biolog.",
              ("sea", "nature")),
]
YOUTH_COUNT = 220
#: Of the youths, how many applied last summer too.
LAST_YEAR_APPLICANTS = 160
PERIODS = [(25, 27), (28, 30), (31, 32)]
#: A fixed seed for last summer's lottery, so the demo is the same on every load.
LAST_YEAR_SEED = 20260415
FIRST_NAMES = ["Alva", "Elsa", "Maja", "Wilma", "Ella", "Saga", "Alice", "Ebba", "Nora",
               "Liam", "Noah", "William", "Hugo", "Lucas", "Elias", "Oscar", "Adam", "Leo",
               "Amira", "Yasmin", "Fatima", "Sara", "Omar", "Ali", "Mohammed", "Yusuf",
               "Aya", "Hanna", "Ahmed", "Nour", "Emil", "Isak", "Vera", "Selma", "Ines"]
LAST_NAMES = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson",
              "Olsson", "Persson", "Svensson", "Gustafsson", "Hassan", "Ali", "Mohamed",
              "Abdi", "Berg", "Lind", "Strand", "Holm", "Sjöberg", "Ek"]


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
    """Load the demo; ``False`` when it was already there. Last summer is allocated by
    the real optimiser in this process, so the load commits on the way (``execute``)."""
    if db.session.scalar(sa.select(User.id).where(User.email == LOGINS[Role.ADMINISTRATOR])):
        return False
    rng = random.Random(2026)
    password_hash = security.hash_password(PASSWORD)
    districts = {name: District(name=name) for name in DISTRICTS}
    db.session.add_all(districts.values())
    admin, caseworker = _staff(password_hash)
    year = season_year(facts.today())
    current = _round(year, open_now=True)  # first: the round the pages show first
    last = _round(year - 1, open_now=False)
    organisations = _organisations(password_hash, rng)
    current_offers = _offers(organisations, districts, current, year)
    last_offers = _offers(organisations, districts, last, year - 1, open_sign_up=False)
    youths = _youths(districts, password_hash, year, rng)
    _priority(youths, caseworker, rng)
    _applications(last, youths[1:LAST_YEAR_APPLICANTS + 1], last_offers, rng)
    _applications(current, youths, current_offers, rng)
    db.session.flush()
    _allocate_last_summer(last, admin, rng)
    return True


def _staff(password_hash: str) -> tuple[User, User]:
    confirmed = utcnow()
    made = []
    for role in (Role.ADMINISTRATOR, Role.CASEWORKER):
        # The demo administrator is also an auditor, so the audit files can be tried out.
        made.append(User(email=LOGINS[role], password_hash=password_hash, role=role,
                         email_confirmed_at=confirmed, totp_secret=TOTP_SECRETS[role],
                         auditor=role is Role.ADMINISTRATOR))
    db.session.add_all(made)
    return made[0], made[1]


def _round(year: int, open_now: bool) -> Round:
    """This coming summer's round open now; last summer's with its window in the past."""
    now = utcnow()
    opens = datetime(year, 1, 15, tzinfo=timezone.utc)
    closes = datetime(year, 4, 15, 22, tzinfo=timezone.utc)
    if open_now:
        opens, closes = min(now - timedelta(days=1), opens), max(now + timedelta(days=30), closes)
    round_ = Round(
        name=f"Sommarjobb {year}", state=RoundState.OPEN,
        application_opens_at=opens, application_closes_at=closes,
        reference_date=date(year, 6, 15), min_age=13, max_age=19, max_choices=5,
        policy={"max_places_per_youth": 2, "max_jobs_per_youth": 1,
                "priority_tiers": ["targeted"], "priority_ranks": True},
        periods=[{"name": f"Period {i + 1}", "weeks": weeks(year, first, last)}
                 for i, (first, last) in enumerate(PERIODS)])
    db.session.add(round_)
    return round_


def _organisations(password_hash, rng) -> dict[str, Organisation]:
    organisations = {}
    for index, (name, kind, _district) in enumerate(ORGANISATIONS):
        number = with_check_digit(f"80{index:02d}{rng.randrange(10**5):05d}")
        contact = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        org = Organisation(name=name, kind=kind, org_number=number, contact_name=contact,
                           contact_email=f"kontakt{index + 1}@org.example",
                           contact_phone=f"0523-{rng.randrange(10000, 99999)}",
                           terms_accepted_at=utcnow(), approved_at=utcnow())
        email = LOGINS[Role.PROVIDER] if index == 0 else f"arrangor{index + 1}@org.example"
        db.session.add(User(email=email, password_hash=password_hash, role=Role.PROVIDER,
                            organisation=org, email_confirmed_at=utcnow()))
        organisations[name] = org
    return organisations


#: Kronor per hour for a demo summer job (a typical municipal rate for 2027).
JOB_HOURLY_PAY = 100


def offer_weeks(demo: DemoOffer, year: int) -> list[str]:
    if demo.kind is OfferKind.JOB:
        first, last = PERIODS[demo.when[0] - 1]
        return weeks(year, first, last)
    return weeks(year, demo.when[0], demo.when[-1])


def _offers(organisations, districts, round_, year, open_sign_up=True) -> list[Offer]:
    """The table's offers for ``round_``; last summer's open sign-ups are long over."""
    offers = []
    for demo in OFFERS:
        if demo.mode is AllocationMode.OPEN and not open_sign_up:
            continue
        org = organisations[demo.provider]
        in_round = demo.mode is AllocationMode.ROUND
        offers.append(Offer(
            organisation=org, round=round_ if in_round else None, kind=demo.kind,
            title=demo.title, description=demo.description, place=demo.place,
            district=districts[demo.district], weeks=offer_weeks(demo, year),
            capacity=demo.capacity, min_age=demo.min_age, max_age=demo.max_age,
            status=OfferStatus.PUBLISHED, allocation_mode=demo.mode,
            supervisor_name=org.contact_name, supervisor_phone=org.contact_phone,
            meeting_point=demo.place, interests=sorted(demo.interests),
            # The municipality's summer-job terms: six hours a day, the same hourly pay
            # wherever the job is.
            **({"hours_per_day": 6, "hourly_pay": JOB_HOURLY_PAY}
               if demo.kind is OfferKind.JOB else {})))
    db.session.add_all(offers)
    return offers


def _youths(districts, password_hash, year, rng) -> list[YouthProfile]:
    youths: list[YouthProfile] = []
    used: set[str] = set()
    district_list = list(districts.values())
    for index in range(YOUTH_COUNT):
        born = _birthday(year, rng)
        number = _personal_number(born, rng, used)
        email = LOGINS[Role.YOUTH] if index == 0 else f"ungdom{index:03d}@demo.example"
        user = User(email=email, password_hash=password_hash, role=Role.YOUTH,
                    email_confirmed_at=utcnow())
        first = "Alva" if index == 0 else rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        youth = YouthProfile(user=user, first_name=first, last_name=last,
                             date_of_birth=born, personal_number=number,
                             private_email=email, district=rng.choice(district_list),
                             school_year=min(12, max(6, year - born.year - 7)),
                             languages=["sv"])
        if youth.age_on(facts.today()) < facts.ADULT_AGE:
            youth.guardians = [Guardian(name=f"{rng.choice(FIRST_NAMES)} {last}",
                                        email=f"vardnadshavare{index:03d}@demo.example")]
        db.session.add(user)
        youths.append(youth)
    return youths


def _birthday(year: int, rng) -> date:
    """A day of birth that makes the youth 13 to 19 on the round's reference day."""
    age = rng.randint(13, 19)
    return date(year - age - 1, 6, 16) + timedelta(days=rng.randint(0, 360))


def _personal_number(born: date, rng, used: set[str]) -> str:
    while True:
        nine = f"{born:%y%m%d}{rng.randrange(1000):03d}"
        number = f"{born.year // 100}{with_check_digit(nine)}"
        if number not in used:
            used.add(number)
            return number


def _applications(round_, youths, offers, rng) -> None:
    """Up to five ranked choices each; a few offers are much wanted, as in real life."""
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


def _priority(youths, caseworker, rng) -> None:
    targeted = PriorityGroup(code="targeted", name="Socialtjänstens målgrupp",
                             description="Ungdomar som socialtjänsten riktar insatser till.")
    db.session.add_all([
        targeted,
        PriorityGroup(code="no_previous_placement", name="Sökte förra året men fick inget",
                      automatic=True),
        PriorityGroup(code="first_time", name="Söker för första gången", automatic=True),
    ])
    db.session.flush()  # the caseworker's id
    for youth in rng.sample(youths[1:], k=len(youths) // 10):
        db.session.add(PriorityMembership(group=targeted, youth=youth, set_by_id=caseworker.id,
                                          reason="Insats enligt handläggarens bedömning",
                                          expires_on=None))


def _allocate_last_summer(round_: Round, admin: User, rng) -> None:
    """Close, run (the real optimiser, here and now), publish and answer last summer."""
    from .allocation import services as allocation
    from .consent import services as consent
    from .placements import services as placements

    round_.lottery_seed = LAST_YEAR_SEED
    round_.seed_fingerprint = allocation.fingerprint(LAST_YEAR_SEED)
    allocation.close(round_, admin)
    run = allocation.start_run(round_, admin)
    allocation.execute(run.id)
    allocation.publish(round_, admin)
    offered = db.session.scalars(sa.select(Placement).where(
        Placement.run_id == run.id).order_by(Placement.id)).all()
    for placement in offered:
        accept = rng.random() < 0.8
        if accept and placements.needs_consent(placement):
            consent.record_paper(placement, placement.youth.guardians[0].name, admin)
        placements.answer(placement.youth, placement.id, accept)
