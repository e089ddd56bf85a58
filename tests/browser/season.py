"""Helpers for the season test: the round's offers and applicants (set up outside the
browser, since providers and youths have their own journeys), and reading what the
staff pages show.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from youth_app import demo
from youth_app.extensions import db
from youth_app.models import (
    Application,
    OfferKind,
    Organisation,
    Placement,
    PlacementState,
    PriorityMembership,
    Role,
    Round,
    User,
    YouthProfile,
)

from .. import factories
from .journey import click, said
from .site import Site

#: Two activities with two places each for eight applicants: four get nothing.
OFFERS = [("Kajakledare i Gullmarsfjorden", "Lysekils Segelsällskap"),
          ("Sommarkör i Lysekils kyrka", "Lysekils kommun, Kultur och bibliotek")]
CAPACITY = 2
APPLICANTS = 8


@dataclass(frozen=True)
class Youth:
    id: int
    name: str
    #: As social services write it: ``YYYYMMDD-NNNN``.
    number: str
    email: str

    @property
    def key(self) -> str:
        """The youth's pseudonymous number in the allocation."""
        return f"Y{self.id}"


@dataclass(frozen=True)
class Offer:
    id: int
    title: str

    @property
    def key(self) -> str:
        return f"O{self.id}"


def next_season(app) -> int:
    """The summer after the demo's last round, so every demo application counts as
    history (last summer's published round, and this summer's open one)."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.max(Round.reference_date))).year + 1


def attach(app, round_id: int) -> tuple[list[Offer], list[Youth]]:
    """Two offers in the round and eight demo youths (in no priority group, 14 to 18
    years old) who each chose both, in alternating order."""
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        offers = [_offer(round_, title, org) for title, org in OFFERS]
        youths = _applicants(round_.reference_date)
        for index, youth in enumerate(youths):
            ranked = offers if index % 2 == 0 else offers[::-1]
            for rank, offer in enumerate(ranked, start=1):
                db.session.add(Application(round=round_, youth=youth, offer=offer, rank=rank))
        db.session.commit()
        return ([Offer(o.id, o.title) for o in offers],
                [Youth(y.id, y.full_name, f"{y.personal_number[:8]}-{y.personal_number[8:]}",
                       y.user.email) for y in youths])


def _offer(round_: Round, title: str, org_name: str):
    org = db.session.scalar(sa.select(Organisation).where(Organisation.name == org_name))
    year = round_.reference_date.year
    return factories.offer(org, round_, kind=OfferKind.ACTIVITY, title=title,
                           capacity=CAPACITY, min_age=13, max_age=19,
                           weeks=[f"{year}-W26", f"{year}-W27"], place=org.name,
                           meeting_point=f"Entrén, {org.name}")


def _applicants(reference: date) -> list[YouthProfile]:
    """Three youths who had a place in an earlier round (social services will mark them)
    and five who applied before and never had one (the automatic tier): each tier too
    small to count out loud. Distinct names, so a search by name finds one of "ours"."""
    flagged = sa.select(PriorityMembership.youth_id)
    earlier = sa.select(Round.id).where(Round.reference_date < reference)
    applied = set(db.session.scalars(sa.select(Application.youth_id).where(
        Application.round_id.in_(earlier))))
    placed = set(db.session.scalars(sa.select(Placement.youth_id).where(
        Placement.round_id.in_(earlier), Placement.state == PlacementState.ACCEPTED)))
    youths = db.session.scalars(sa.select(YouthProfile).join(User).where(
        YouthProfile.id.not_in(flagged), User.email != demo.LOGINS[Role.YOUTH])
        .order_by(YouthProfile.id)).all()
    names: set[str] = set()
    fitting = []
    for youth in youths:
        if 14 <= youth.age_on(reference) <= 18 and youth.full_name not in names:
            names.add(youth.full_name)
            fitting.append(youth)
    had_a_place = [y for y in fitting if y.id in placed]
    never_placed = [y for y in fitting if y.id in applied and y.id not in placed]
    chosen = had_a_place[:3] + never_placed[:APPLICANTS - 3]
    assert len(chosen) == APPLICANTS, "the demo has enough of both kinds"
    return chosen


def with_bad_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def memberships(app, youths: list[Youth]) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(PriorityMembership.id)).where(
            PriorityMembership.youth_id.in_([y.id for y in youths])))


def decline_an_offer(app, round_id: int, keep: str) -> str:
    """A youth other than ``keep`` declines the place offered (as on My page); their key."""
    from youth_app.placements import services as placements

    with app.app_context(), app.test_request_context():
        placement = db.session.scalar(sa.select(Placement).where(
            Placement.round_id == round_id, Placement.state == PlacementState.OFFERED,
            Placement.youth_id != int(keep[1:])).order_by(Placement.id).limit(1))
        placements.answer(placement.youth, placement.id, accept=False)
        db.session.commit()
        return f"Y{placement.youth_id}"


def offered_in_run(app, run_id: int) -> list[tuple[str, int]]:
    """(youth e-mail, offer id) of the places a run added and publishing offered."""
    with app.app_context():
        rows = db.session.execute(sa.select(User.email, Placement.offer_id)
                                  .join(YouthProfile, YouthProfile.id == Placement.youth_id)
                                  .join(User, User.id == YouthProfile.user_id)
                                  .where(Placement.run_id == run_id,
                                         Placement.state == PlacementState.OFFERED)).all()
        return [tuple(row) for row in rows]


def expiry() -> date:
    """A priority that lasts over the summer."""
    return date.today() + timedelta(days=120)


# Reading the staff pages -------------------------------------------------------------

def detail(site: Site, label: str) -> str:
    """The value next to ``label`` in a description list on the page."""
    return site.page.locator(f"xpath=//main//dt[normalize-space()='{label}']"
                             "/following-sibling::dd[1]").inner_text().strip()


def step(site: Site, app, action: str, done: str) -> None:
    """Press a lifecycle button on the round's page; ``done`` is the message expected."""
    site.submit(f"main form[action$='/{action}']")
    assert said(app, "sv", done) in site.page.locator(".flashes").inner_text()


def table_rows(site: Site, caption_id: str) -> dict[str, list[str]]:
    """A data table's rows, by the text of their row header."""
    table = site.page.locator(f"table:has(#{caption_id})")
    rows = {}
    for row in table.locator("tbody tr").all():
        cells = [c.strip() for c in row.locator("th, td").all_inner_texts()]
        rows[cells[0]] = cells[1:]
    return rows


def every_chart_has_its_table(site: Site) -> int:
    """How many charts the page has; fails if one is not followed by a data table."""
    charts = site.page.evaluate("""() => [...document.querySelectorAll("main figure.chart")]
        .map(f => !!(f.nextElementSibling && f.nextElementSibling.querySelector("table")
                     && f.querySelector("svg[role=img] rect, svg[role=img] text")))""")
    assert charts and all(charts), f"a chart without its table or data on {site.path}"
    return len(charts)


def open_link(site: Site, app, text: str, **values) -> None:
    click(site, site.page.locator("main, nav").get_by_role(
        "link", name=said(app, "sv", text, **values), exact=True).first)
