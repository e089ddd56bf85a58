"""Every route, every method, every role, with hostile values: never a 500, never a leak.

Hypothesis drives each route of ``app.url_map`` with hostile values in the URL's
parameters, the query string and every field of every form in the app (the form
classes are enumerated, so a new form or field is covered without touching this file).
Values are long, carry NUL and other control characters, direction overrides, markup,
SQL, numbers and dates out of range, huge ids and the ids of another user's objects.
A POST starts from plausible values for every field, so that it gets past the form and
into the services, and replaces a few of them with hostile ones.

Each response is checked: no 5xx, no Python traceback or SQL text, and for visitors,
youths and providers none of a second youth's and a second organisation's data (the
canary). Nothing of the canary's may change either.

Runs the same on SQLite and PostgreSQL (``TEST_DATABASE_URL``); NUL bytes only break
PostgreSQL. ``derandomize=True``: the same examples every run, so CI is stable.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, example, given, settings, strategies as st
from wtforms import (BooleanField, DateField, DateTimeLocalField, EmailField, FieldList,
                     FormField, IntegerField, PasswordField, TelField)
from wtforms.fields.core import UnboundField
from werkzeug.routing import AnyConverter, PathConverter

from youth_app import access
from youth_app.allocation import services as allocation
from youth_app.extensions import db
from youth_app.forms import Form
from youth_app.models import (AllocationMode, Application, ApartGroup, ApartMember, Guardian, GuardianConsent,
                              LoginSession, OfferKind, OfferStatus, Organisation, Placement,
                              PlacementState, PriorityGroup, PriorityMembership, Role, SignUp,
                              SignUpStatus, User, YouthProfile, utcnow)
from youth_app.untrusted import INTEGER_MAX

from .. import factories

pytestmark = pytest.mark.hardening

#: Examples per route for a role that may reach it, and for one that is refused.
EXAMPLES, EXAMPLES_REFUSED = 8, 1

# --- the canary: a second youth and a second organisation ------------------------------

CANARY_FIRST, CANARY_LAST = "Quetzalina", "Zebulonsdottir"
CANARY_EMAIL = "canary.youth@kanarie.example"
CANARY_NOTE = "Kanariefagelns hemlighet"
CANARY_GUARDIAN = "Gudrun Kanarievakt"
CANARY_DRAFT = "Kanarieutkastet Xylofon"

#: In a page, a sign that something leaked from inside: nothing we send contains these.
INSIDE = ("Traceback (most recent call last)", "sqlalchemy.exc", "psycopg", "sqlite3.",
          "[SQL: ", "werkzeug.exceptions", "Background on this error")


@dataclass
class World:
    ids: dict[str, list[int]]           #: plausible ids by URL parameter name
    users: dict[Role, int]
    secrets: list[str]                  #: the canary's, never shown to others
    plausible: dict[str, list] = field(default_factory=dict)


def _canary(round_, district) -> tuple[YouthProfile, Organisation, object, object]:
    provider = factories.user(Role.PROVIDER, email="canary.provider@kanarie.example")
    org = provider.organisation
    draft = factories.offer(org, round_, title=CANARY_DRAFT, status=OfferStatus.DRAFT)
    job = factories.offer(org, round_, title="Butiksbitrade", weeks=["2027-W28"])
    user = factories.user(Role.YOUTH, email=CANARY_EMAIL)
    youth = user.youth_profile
    youth.first_name, youth.last_name, youth.shared_notes = CANARY_FIRST, CANARY_LAST, \
        CANARY_NOTE
    youth.private_email, youth.date_of_birth, youth.district = CANARY_EMAIL, \
        date(2011, 3, 3), district
    db.session.add(Guardian(youth=youth, name=CANARY_GUARDIAN, email="vakt@kanarie.example"))
    return youth, org, draft, job


def seed(app, users) -> World:
    """An open round with choices and sign-ups, a published round with a run, offers
    and placements of two organisations, priority and apart groups."""
    with app.test_request_context():
        district = factories.district()
        weeks = ["2027-W25", "2027-W26", "2027-W27"]
        open_round = factories.round_(periods=[{"name": "Period 1", "weeks": weeks}])
        ours = db.session.get(User, users[Role.PROVIDER].id).organisation
        job = factories.offer(ours, open_round, title="Seglingsassistent", weeks=weeks,
                              district=district)
        activity = factories.offer(ours, None, title="Segling", kind=OfferKind.ACTIVITY,
                                   allocation_mode=AllocationMode.OPEN,
                                   weeks=["2027-W30"])
        our_draft = factories.offer(ours, open_round, title="Utkast", status=OfferStatus.DRAFT)
        youth = db.session.get(User, users[Role.YOUTH].id).youth_profile
        youth.date_of_birth = date(2011, 4, 1)
        canary, canary_org, canary_draft, canary_job = _canary(open_round, district)
        db.session.add_all([Application(round=open_round, youth=youth, offer=job, rank=1),
                            SignUp(offer=activity, youth=youth, status=SignUpStatus.CONFIRMED),
                            SignUp(offer=activity, youth=canary, status=SignUpStatus.WAITING)])
        db.session.add(Guardian(youth=youth, name="Gun Vakt", email="gun@example.se"))
        ours_placed = Placement(round=open_round, youth=youth, offer=job, rank=1,
                                state=PlacementState.OFFERED, offered_at=utcnow(),
                                reply_by=utcnow() + timedelta(days=7))
        canary_placed = Placement(round=open_round, youth=canary, offer=canary_job, rank=1,
                                  state=PlacementState.ACCEPTED)
        db.session.add_all([ours_placed, canary_placed])
        group = PriorityGroup(code="targeted", name="Malgrupp")
        membership = PriorityMembership(group=group, youth=canary, reason="Skal")
        db.session.add_all([group, membership])
        db.session.flush()
        apart = ApartGroup(members=[ApartMember(youth_id=youth.id),
                                    ApartMember(youth_id=canary.id)])
        db.session.add(apart)
        db.session.add_all([GuardianConsent(placement_id=ours_placed.id),
                            GuardianConsent(placement_id=canary_placed.id)])
        published, run = _published_round(youth, ours)
        db.session.commit()
        our_consent = db.session.scalar(sa.select(GuardianConsent.token).where(
            GuardianConsent.placement_id == ours_placed.id))
        ids = {"offer_id": [job.id, activity.id, our_draft.id, canary_draft.id, canary_job.id],
               "round_id": [open_round.id, published.id],
               "placement_id": [ours_placed.id, canary_placed.id],
               "organisation_id": [ours.id, canary_org.id], "run_id": [run.id],
               "group_id": [group.id, apart.id], "youth_id": [youth.id, canary.id],
               "membership_id": [membership.id], "override_id": [1]}
        world = World(ids=ids, users={r: users[r].id for r in Role},
                      secrets=[CANARY_FIRST, CANARY_LAST, CANARY_EMAIL, CANARY_NOTE,
                               CANARY_GUARDIAN, CANARY_DRAFT, canary.personal_number])
        world.plausible = _plausible(world, youth, district.id, open_round.id, our_consent,
                                     group.id)
        world.plausible["numbers"] = [f"{youth.personal_number}\n{canary.personal_number}"]
        return world


def _published_round(youth, organisation):
    """A round of last summer, run and published: results, runs and reports."""
    round_ = factories.round_(name="Sommarjobb 2026", reference_date=date(2026, 6, 15))
    offer = factories.offer(organisation, round_, title="Kafebitrade", weeks=["2026-W26"])
    db.session.add(Application(round=round_, youth=youth, offer=offer, rank=1))
    db.session.flush()
    allocation.close(round_)
    run = allocation.start_run(round_)
    db.session.commit()
    allocation.execute(run.id)
    allocation.publish(round_)
    return round_, run


def _plausible(world, youth, district_id, round_id, consent_token, group_id) -> dict:
    """Values that pass each field, by field name (several where forms differ)."""
    offers = world.ids["offer_id"]
    return {
        "email": ["someone@example.se", db.session.get(User, world.users[Role.YOUTH]).email],
        "private_email": ["alva@example.se"], "password": [factories.PASSWORD],
        "confirm": [factories.PASSWORD], "personal_number": [youth.personal_number],
        "org_number": [factories.org_number()], "code": ["123456"],
        "kind": ["job", "activity", "association", "lock", "forbid"],
        "district": [str(district_id)], "round": [str(round_id), "0"],
        "period": [f"{round_id}:0"], "weeks": ["2027-W25"], "week": ["2027-W25"],
        "interests": ["sea"], "interest": ["sea"], "languages": ["sv"],
        "allocation_mode": ["round", "open"], "group": [str(group_id)],
        "priority_ranks": ["yes"], "priority_tiers": ["targeted"], "language": ["en"],
        "periods": ["Period 1: 25-27"], "youth": [f"Y{youth.id}"],
        "offer": [f"O{offers[0]}"], "numbers": [youth.personal_number],
        "q": ["Alva", "Segling"], "page": ["1"], "next": ["/", "/youth/"],
        "order": [",".join(str(i) for i in offers[:1])], "attendance": [str(offers[0])],
        "day": ["2027-06-21"], "youth_id": [str(youth.id)],
        "token": [consent_token], "youth_key": [f"Y{youth.id}"],
        "action": ["add", "up", "down", "remove"], "min_age": ["13"], "max_age": ["19"],
        "since": ["2026-01-01"], "until": ["2027-12-31"],
        f"present-{youth.id}": ["y"], f"hours-{youth.id}": ["6,5"],
        "application_opens_at": ["2027-02-01T08:00"], "reference_date": ["2027-06-21"],
        "application_closes_at": ["2027-04-15T23:59"], "name": ["Kim Vakt"],
        "title": ["Parkarbetare"], "capacity": ["3"], "reply_days": ["7"],
        "max_choices": ["5"], "max_places_per_youth": ["2"], "max_jobs_per_youth": ["1"],
        "school_year": ["8"], "expires_on": ["2027-12-31"], "reason": ["Skal"],
        "problem": ["Knappen syns inte"], "place": ["Hamnen"], "supervisor_name": ["Kim"],
        "supervisor_phone": ["0701234567"], "phone": ["0701234567"],
    }


# --- what the app's forms ask for --------------------------------------------------------

def _form_classes() -> list[type]:
    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)
    return sorted(set(walk(Form)), key=lambda c: (c.__module__, c.__qualname__))


def _fields(form_class, prefix="") -> dict[str, UnboundField]:
    """Every input name of a form class, subforms and lists of them included."""
    found = {}
    for name in dir(form_class):
        unbound = getattr(form_class, name, None)
        if not isinstance(unbound, UnboundField):
            continue
        kind = unbound.field_class
        if issubclass(kind, FieldList):
            inner = unbound.args[0]
            for index in range(unbound.kwargs.get("max_entries") or 2):
                if issubclass(inner.field_class, FormField):
                    found.update(_fields(inner.args[0], f"{prefix}{name}-{index}-"))
                else:
                    found[f"{prefix}{name}-{index}"] = inner
        elif issubclass(kind, FormField):
            found.update(_fields(unbound.args[0], f"{prefix}{name}-"))
        else:
            found[prefix + name] = unbound
    return found


def all_fields() -> dict[str, UnboundField]:
    found = {}
    for form_class in _form_classes():
        for name, unbound in _fields(form_class).items():
            found.setdefault(name, unbound)
    return dict(sorted(found.items()))


def _by_kind(unbound: UnboundField) -> str:
    """A plausible value for a field no name in ``_plausible`` covers (a new form)."""
    kind = unbound.field_class
    if issubclass(kind, BooleanField):
        return "y"
    if issubclass(kind, IntegerField):
        ranges = [v for v in unbound.kwargs.get("validators", []) if hasattr(v, "min")]
        return str(ranges[0].min if ranges and ranges[0].min is not None else 1)
    if issubclass(kind, DateTimeLocalField):
        return "2027-05-01T12:00"
    if issubclass(kind, DateField):
        return "2027-06-15"
    if issubclass(kind, EmailField):
        return "someone@example.se"
    if issubclass(kind, TelField):
        return "0701234567"
    if issubclass(kind, PasswordField):
        return factories.PASSWORD
    return "Vanlig text"


# --- hostile values ----------------------------------------------------------------------

HOSTILE = [
    "\x00", "a\x00b", "%00", "\x01\x02\x1b[31m", "\x07\x08", "x\x0by", "\x1c", "\x7f",
    "\x85", "\r\nSet-Cookie: evil=1", "\u202eevil.exe", "\u2066x\u2069", "\u202b\u202c",
    "\ufeff", "\u200b", "محمد العلي", "👩‍👩‍👧", "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>", "{{ 7*7 }}", "{% raw %}", "' OR '1'='1",
    "'; DROP TABLE user_account; --", "%", "_", "\\", "../../etc/passwd", "//evil.example",
    "javascript:alert(1)", "=HYPERLINK(\"http://evil.example\")", "@SUM(A1)", "-1", "0",
    "²", "١٢", "1e309", "NaN", "Infinity", "1_000", str(INTEGER_MAX + 1), str(2**63),
    "9" * 30, "9" * 5000, "0001-01-01", "9999-12-31", "0001-01-01T00:00",
    "9999-12-31T23:59", "2027-02-30", "2027-W99", "Y0", "O0", "Y99999999999", "x" * 5000,
    "y" * 100_000, " ", "",
]

texts = st.text(st.characters(codec="utf-8"), max_size=40)
numbers = st.integers(min_value=-(2**70), max_value=2**70).map(str)
days = st.dates().map(date.isoformat)
hostile = st.one_of(st.sampled_from(HOSTILE), texts, numbers, days)
HUGE_IDS = [0, INTEGER_MAX, INTEGER_MAX + 1, 2**63, 10**30]


def _url_value(world: World, rule, name: str):
    converter = rule._converters[name]
    if isinstance(converter, AnyConverter):
        return st.one_of(st.sampled_from(sorted(converter.items)), hostile)
    if isinstance(converter, PathConverter):
        return st.sampled_from(["css/app.css", "js/app.js", "../../etc/passwd", "css/\x00"])
    if name.endswith("_id"):
        return st.one_of(st.sampled_from(world.ids.get(name, [1])),
                         st.sampled_from(HUGE_IDS)).map(str)
    return st.one_of(st.sampled_from(world.plausible.get(name, ["x"])), hostile)


@dataclass
class Probe:
    method: str
    path: str
    query: dict
    data: dict
    as_json: bool = False

    def send(self, client):
        body = {"json": {k: v for k, v in self.data.items() if isinstance(v, str)}} \
            if self.as_json else {"data": self.data or None}
        return client.open(self.path, method=self.method, query_string=self.query,
                           headers={"Accept-Language": "en"}, **body)


def _hostile(world: World):
    """Hostile values, and the ids of everyone's objects (the canary's too)."""
    ids = sorted({str(i) for found in world.ids.values() for i in found})
    return st.one_of(hostile, st.sampled_from(ids))


def _path(rule, values: dict) -> str:
    return re.sub(r"<(?:[^>:]+:)?([^>]+)>",
                  lambda m: quote(str(values[m[1]]), safe="" if m[1] != "filename" else "/"),
                  rule.rule)


def _first_plausible(world: World, rule, name: str) -> str:
    converter = rule._converters[name]
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    if isinstance(converter, PathConverter):
        return "css/app.css"
    if name.endswith("_id"):
        return str(world.ids.get(name, [1])[0])
    return world.plausible.get(name, ["x"])[0]


def _extreme(unbound: UnboundField) -> str:
    kind = unbound.field_class
    if issubclass(kind, IntegerField):
        return "9" * 30
    if issubclass(kind, (DateField, DateTimeLocalField)):
        return "0001-01-01T00:00" if issubclass(kind, DateTimeLocalField) else "0001-01-01"
    return "\x01\u202e<b>x</b>' OR 1=1 --"


def worst_cases(world: World, rule, method: str, fields: dict) -> list[Probe]:
    """Explicit examples for every route: a NUL byte in every value, and every field at
    its extreme (huge numbers, year 1, control and override characters)."""
    names = sorted(set(fields) | set(world.plausible))
    plain = {n: _first_plausible(world, rule, n) for n in rule.arguments}
    with_nul = {n: (v if n.endswith("_id") else f"{v}\x00") for n, v in plain.items()}
    nul = Probe(method, _path(rule, with_nul), {n: "a\x00" for n in names[:20]},
                {n: "b\x00" for n in names} if method == "POST" else {})
    extremes = {n: _extreme(fields[n]) if n in fields else "²" for n in names}
    query = {"page": str(10**30), "day": "0001-01-01", "kind": "x", "age": "²",
             "since": "0001-01-01", "until": "9999-12-31", "youth": "\u202eY1", "q": "%"}
    return [nul, Probe(method, _path(rule, plain), query,
                       extremes if method == "POST" else {})]


@st.composite
def probes(draw, world: World, rule, method: str, fields: dict) -> Probe:
    values = {name: draw(_url_value(world, rule, name)) for name in sorted(rule.arguments)}
    path = _path(rule, values)
    names = sorted(set(fields) | set(world.plausible))
    query = draw(st.dictionaries(st.sampled_from(names), _hostile(world), max_size=3))
    data = {}
    if method == "POST":
        data = {name: draw(st.sampled_from(world.plausible.get(name)
                                           or [_by_kind(fields[name])]))
                for name in names}
        data.update(draw(st.dictionaries(st.sampled_from(names), _hostile(world), max_size=3)))
        if draw(st.booleans()):  # under 128 kB: see test_a_csv_field_over_128_kb_is_a_message
            content = draw(st.sampled_from([b"200001011234\n", b"\x00\xff\xfe", b"a;b\r\n" * 50,
                                            "20100514-1234\n²\n".encode()]))
            data["file"] = (io.BytesIO(content), draw(st.sampled_from(["a.csv", "\u202e.csv"])))
    return Probe(method, path, query, data, as_json=draw(st.integers(0, 9)) == 0)


# --- the client and the checks -------------------------------------------------------------

def _client(app, world: World, role: Role | None, endpoint: str):
    """A client signed in as ``role`` through a fresh login session (logging out or
    removing the account ends only that one); removal gets a youth of its own."""
    client = app.test_client()
    if role is None:
        return client
    with app.app_context():
        user = db.session.get(User, world.users[role])
        if endpoint == "youth.remove_account":
            user = factories.user(Role.YOUTH)
        login = LoginSession(user=user, second_factor_at=utcnow())
        db.session.add(login)
        db.session.commit()
        token = login.token
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = token, True
    return client


def _text(response) -> str:
    if response.mimetype.endswith("spreadsheetml.sheet") and response.status_code == 200:
        with zipfile.ZipFile(io.BytesIO(response.data)) as book:
            return "".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    return response.get_data(as_text=True)


def check(response, probe: Probe, role: Role | None, world: World) -> None:
    said = (f"{probe.method} {probe.path} query={probe.query!r:.300} "
            f"data={probe.data!r:.600} json={probe.as_json} -> {response.status_code}")
    assert response.status_code < 500, said
    text = _text(response) + " ".join(f"{k}: {v}" for k, v in response.headers.items())
    assert not [marker for marker in INSIDE if marker in text], said
    if role in (None, Role.YOUTH, Role.PROVIDER):
        assert not [s for s in world.secrets if s in text], said


def canary_state(app) -> list:
    """Everything of the canary's that another youth or provider must not change."""
    with app.app_context():
        youth = db.session.scalar(sa.select(YouthProfile).where(
            YouthProfile.first_name == CANARY_FIRST))
        rows = [youth.last_name, youth.phone, youth.private_email, youth.shared_notes,
                youth.district_id, [g.name for g in youth.guardians], youth.user.email,
                youth.user.password_hash, youth.user.active]
        rows += db.session.execute(sa.select(Placement.id, Placement.state).where(
            Placement.youth_id == youth.id).order_by(Placement.id)).all()
        # (not the sign-ups' status: a place that another youth gives up moves the line)
        rows += db.session.scalars(sa.select(SignUp.id).where(
            SignUp.youth_id == youth.id)).all()
        org = db.session.scalar(sa.select(Organisation).where(
            Organisation.users.any(User.email == "canary.provider@kanarie.example")))
        rows += [(o.id, o.title, o.status, o.capacity, o.description) for o in org.offers]
        return rows


def _targets(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _may_reach(endpoint: str, role: Role | None) -> bool:
    rule = access.RULES[endpoint]
    if rule == access.AUDITOR:
        return role is Role.ADMINISTRATOR  # reached, then refused: the admin is no auditor
    return rule == access.PUBLIC or (role is not None and (
        rule == access.SIGNED_IN or role in rule))


SETTINGS = dict(deadline=None, derandomize=True, database=None,
                phases=(Phase.explicit, Phase.generate), print_blob=False,
                suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_no_hostile_request_gives_a_server_error_or_a_leak(app, users, role, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    world = seed(app, users)
    before = canary_state(app)
    fields = all_fields()
    assert {"first_name", "guardians-1-email", "file", "expires_on"} <= set(fields)
    for rule, method in _targets(app):
        examples = EXAMPLES if _may_reach(rule.endpoint, role) else EXAMPLES_REFUSED

        @settings(max_examples=examples, **SETTINGS)
        @given(probe=probes(world, rule, method, fields))
        def send(probe: Probe) -> None:
            client = _client(app, world, role, rule.endpoint)  # noqa: B023 - run in this turn of the loop
            response = probe.send(client)
            check(response, probe, role, world)
            response.close()

        if _may_reach(rule.endpoint, role):
            for case in worst_cases(world, rule, method, fields):
                send = example(probe=case)(send)
        send()
    if role is None or not role.is_staff:
        assert canary_state(app) == before
