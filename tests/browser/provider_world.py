"""What the provider journey needs besides the pages: a tab that keeps every page it
checked (to search them for confidential data), the young people who take part, and
what the youths and the allocation do outside the provider's browser.

The youths act through the same services as their pages (``youth_app.youth``,
``youth_app.placements``): their own pages are the youth journey's subject, and doing
it here keeps this journey quick.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import force_locale, format_date
from openpyxl import load_workbook

from youth_app.extensions import db
from youth_app.models import (
    Guardian,
    Placement,
    PlacementState,
    PriorityGroup,
    PriorityMembership,
    Role,
    Round,
    YouthProfile,
)
from youth_app.placements import services as placements
from youth_app.youth import services as youth_services

from .. import factories
from .site import Site

#: Put into everything social services know and a provider must not: the priority
#: group's name and description, the membership's reason, and the youth's school.
MARKER = "KONFIDENTIELLT-5517"


@dataclass
class RecordingSite(Site):
    """A ``Site`` that keeps the HTML of every page it checked, in order."""
    html: dict[str, str] = field(default_factory=dict)

    def check(self) -> None:
        super().check()
        self.html[f"{len(self.html):02d} {self.path}"] = self.page.content()


@dataclass(frozen=True)
class Person:
    """A participant as the test knows them; ``age`` is today's."""
    id: int
    name: str
    age: int
    phone: str
    email: str
    personal_number: str
    guardian: tuple[str, str, str]
    shared_notes: str


def _age(born: date) -> int:
    today = date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _youth(email: str, first: str, last: str, born: date, phone: str, notes: str,
           guardian: tuple[str, str, str]) -> YouthProfile:
    profile = factories.user(Role.YOUTH, email=email).youth_profile
    profile.first_name, profile.last_name, profile.date_of_birth = first, last, born
    profile.personal_number = factories.personal_number(born)
    profile.phone, profile.private_email, profile.shared_notes = phone, email, notes
    profile.school = f"{MARKER} skola"
    name, phone_g, email_g = guardian
    profile.guardians.append(Guardian(name=name, phone=phone_g, email=email_g))
    return profile


def participants(app) -> tuple[Person, Person]:
    """A 16-year-old and an 18-year-old (today), both in a confidential priority
    group. Both have a guardian on file; only the minor's may reach the provider."""
    born_minor, born_adult = date(date.today().year - 16, 1, 10), \
        date(date.today().year - 18, 2, 20)
    with app.app_context():
        minor = _youth("mira@test.example", "Mira", "Lindqvist", born_minor, "070-111 22 33",
                       "Nötallergi", ("Maria Lindqvist", "070-444 55 66", "maria@test.example"))
        adult = _youth("adrian@test.example", "Adrian", "Ek", born_adult, "070-777 88 99",
                       "", ("Gunnar Ek", "070-000 11 22", "gunnar@test.example"))
        group = PriorityGroup(code="marked", name=f"{MARKER} grupp",
                              description=f"{MARKER} beskrivning")
        for youth in (minor, adult):
            db.session.add(PriorityMembership(group=group, youth=youth, reason=f"{MARKER} skäl"))
        db.session.commit()
        return tuple(Person(y.id, y.full_name, _age(y.date_of_birth), y.phone,
                            y.private_email, y.personal_number,
                            (y.guardians[0].name, y.guardians[0].phone, y.guardians[0].email),
                            y.shared_notes) for y in (minor, adult))


def apply_and_sign_up(app, round_id: int, job_id: int, activity_id: int,
                      people: tuple[Person, ...]) -> None:
    """Each youth puts the job first (and only) in the round and signs up for the
    open activity, as their pages would."""
    with app.app_context(), app.test_request_context():
        round_ = db.session.get(Round, round_id)
        for person in people:
            youth = db.session.get(YouthProfile, person.id)
            youth_services.save_choices(youth, round_, [job_id])
            youth_services.sign_up(youth, activity_id)
        db.session.commit()


def offered(app, job_id: int) -> dict[int, int]:
    """Youth id -> placement id of the places offered on the job."""
    with app.app_context():
        return dict(db.session.execute(sa.select(Placement.youth_id, Placement.id).where(
            Placement.offer_id == job_id, Placement.state == PlacementState.OFFERED)).all())


def accept(app, youth_id: int, placement_id: int) -> None:
    with app.app_context(), app.test_request_context():
        placements.answer(db.session.get(YouthProfile, youth_id), placement_id, accept=True)
        db.session.commit()



def identity_numbers(person: Person) -> list[str]:
    """The personal identity number in every way it is commonly written."""
    n = person.personal_number
    return [n, n[2:], f"{n[:8]}-{n[8:]}", f"{n[2:8]}-{n[8:]}", f"{n[2:8]}+{n[8:]}"]


def read_csv(path) -> list[list[str]]:
    """A semicolon CSV with a byte-order mark, as the app writes it for Excel."""
    with open(path, encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file, delimiter=";"))


def read_xlsx(path) -> list[list]:
    """The first sheet's rows. Opened as a stream: openpyxl judges a path by its suffix,
    and Playwright saves downloads without one."""
    with open(path, "rb") as file:
        book = load_workbook(io.BytesIO(file.read()), read_only=True)
    try:
        return [list(row) for row in book.active.iter_rows(values_only=True)]
    finally:
        book.close()


def as_text(rows: list[list]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def shown_date(app, value: date, form: str = "full") -> str:
    """``value`` as the app's ``dateformat(form)`` shows it in Swedish."""
    with app.test_request_context(), force_locale("sv"):
        return format_date(value, form)


def button_name(label: str, whom: str) -> re.Pattern:
    """The accessible name of a button ``label`` with its object in hidden text, e.g.
    "Godkänn: Klubben". Chromium puts a space before the colon (the hidden text is
    positioned absolutely, so it counts as a block), hence the ``\\s*``."""
    return re.compile(rf"^{re.escape(label)}\s*: {re.escape(whom)}$")


def cells(row) -> list[str]:
    return [cell.strip() for cell in row.locator("td, th").all_inner_texts()]
