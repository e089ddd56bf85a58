"""Confidential priority: social services' own data about which youths to favour.

Only caseworkers see names next to groups. Every read and every change writes one
audit row (``priority.read`` once per page that shows it, ``priority.added``,
``priority.changed`` or ``priority.removed`` per membership); no row holds the reason.
Administrators get counts per group, never names.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from sqlalchemy.orm import selectinload

from .. import audit, facts, paging
from ..extensions import db
from ..identity import InvalidNumber, parse_personal_number
from ..models import (ApartGroup, ApartMember, DomainError, PriorityGroup, PriorityMembership,
                      User, YouthProfile)

MAX_RESULTS = 50
#: Members of a priority group on one page of the group.
MEMBERS_PAGE_SIZE = paging.PAGE_SIZE
#: Groups of youths kept apart on one page.
APART_PAGE_SIZE = paging.PAGE_SIZE
#: Whose calendar decides when a day has passed.
#: An expiry may lie at most this many years ahead.
EXPIRY_YEARS = 5


class PriorityError(DomainError):
    """``code`` says which rule (``messages``)."""


def record_read(what: str, caseworker: User, **details) -> None:
    """One audit row for one page that shows priority data."""
    audit.record("priority.read", None, actor=caseworker, what=what, **details)


def groups() -> list[PriorityGroup]:
    return list(db.session.scalars(sa.select(PriorityGroup).order_by(PriorityGroup.automatic,
                                                                      PriorityGroup.name)))


def counts() -> dict[int, int]:
    """Members per group, for administrators (no names)."""
    rows = db.session.execute(sa.select(PriorityMembership.group_id, sa.func.count())
                              .group_by(PriorityMembership.group_id))
    return dict(rows.all())


def search(query: str) -> list[YouthProfile]:
    """By personal identity number (any form) or by a part of the name."""
    query = query.strip()
    statement = sa.select(YouthProfile).order_by(YouthProfile.last_name,
                                                 YouthProfile.first_name, YouthProfile.id)
    try:
        number = parse_personal_number(query)
        statement = statement.where(YouthProfile.personal_number == number.digits)
    except InvalidNumber:
        named = YouthProfile.name_contains(query)  # each word; the trigram index serves it
        if named is None:
            return []
        statement = statement.where(named)
    return list(db.session.scalars(statement.limit(MAX_RESULTS)))


def memberships(youth: YouthProfile) -> list[PriorityMembership]:
    return list(db.session.scalars(sa.select(PriorityMembership).where(
        PriorityMembership.youth_id == youth.id).order_by(PriorityMembership.set_at)))


def members(group: PriorityGroup, page: int = 1) -> paging.Page[PriorityMembership]:
    """One page of the group's members, by name (``MEMBERS_PAGE_SIZE`` at a time)."""
    return paging.of_query(sa.select(PriorityMembership).where(
        PriorityMembership.group_id == group.id).join(YouthProfile)
        .options(selectinload(PriorityMembership.youth))
        .order_by(YouthProfile.last_name, YouthProfile.first_name, PriorityMembership.id),
        page, MEMBERS_PAGE_SIZE)


def today() -> date:
    """The municipality's date: an expiry is a day in Sweden, not in UTC."""
    return facts.today()


def latest_expiry() -> date:
    """How far ahead a priority may run: a caseworker's decision is reviewed within
    that time, and a later date is far more likely a typing error than a plan."""
    now = today()
    try:
        return now.replace(year=now.year + EXPIRY_YEARS)
    except ValueError:  # 29 February
        return now.replace(year=now.year + EXPIRY_YEARS, day=28)


def expiry_problem(expires_on: date | None) -> str | None:
    """``"past"``, ``"too_far"`` or None: the one rule for every way of setting one."""
    if expires_on is None:
        return None
    if expires_on < today():
        return "past"
    if expires_on > latest_expiry():
        return "too_far"
    return None


def add(youth: YouthProfile, group: PriorityGroup, reason: str, expires_on: date | None,
        caseworker: User) -> PriorityMembership:
    """Put a youth in a group, or give their membership this reason and expiry."""
    membership = db.session.scalar(sa.select(PriorityMembership).where(
        PriorityMembership.youth_id == youth.id, PriorityMembership.group_id == group.id))
    if membership is None:
        return add_new([youth], group, reason, expires_on, caseworker)[0]
    change(membership, reason, expires_on, caseworker)
    return membership


def add_new(youths: list[YouthProfile], group: PriorityGroup, reason: str,
            expires_on: date | None, caseworker: User) -> list[PriorityMembership]:
    """New memberships for youths not yet in ``group``; one ``priority.added`` each."""
    _check(group, expires_on)
    added = [PriorityMembership(youth_id=youth.id, group_id=group.id, reason=reason.strip(),
                                expires_on=expires_on, set_by_id=caseworker.id)
             for youth in youths]
    db.session.add_all(added)
    db.session.flush()
    for membership in added:
        audit.record("priority.added", membership, actor=caseworker, group=group.code,
                     youth_id=membership.youth_id)
    return added


def change(membership: PriorityMembership, reason: str, expires_on: date | None,
           caseworker: User) -> list[str]:
    """Give an existing membership this reason and expiry. The audit row names the
    fields that changed, never the reason itself; nothing changed, no row."""
    _check(membership.group, expires_on)
    changed = [name for name, old, new in (("reason", membership.reason, reason.strip()),
                                           ("expires_on", membership.expires_on, expires_on))
               if old != new]
    if changed:
        membership.reason, membership.expires_on = reason.strip(), expires_on
        membership.set_by_id = caseworker.id
        db.session.flush()
        audit.record("priority.changed", membership, actor=caseworker,
                     group=membership.group.code, youth_id=membership.youth_id,
                     changed=changed)
    return changed


def _check(group: PriorityGroup, expires_on: date | None) -> None:
    if group.automatic:
        raise PriorityError("automatic")
    problem = expiry_problem(expires_on)
    if problem == "past":
        raise PriorityError("expiry_past")
    if problem == "too_far":
        raise PriorityError("expiry_too_far", date=latest_expiry().isoformat())


def remove(membership_id: int, caseworker: User) -> None:
    membership = db.session.get(PriorityMembership, membership_id)
    if membership is None:
        raise PriorityError("membership_not_found")
    audit.record("priority.removed", membership, actor=caseworker,
                 group=membership.group.code, youth_id=membership.youth_id)
    db.session.delete(membership)
    db.session.flush()


def find(cell: str) -> tuple[YouthProfile | None, str | None]:
    """The youth with this personal identity number, or an error code."""
    try:
        digits = parse_personal_number(cell).digits
    except InvalidNumber:
        return None, "invalid"
    youth = db.session.scalar(sa.select(YouthProfile).where(
        YouthProfile.personal_number == digits))
    return (youth, None) if youth else (None, "unknown")


def apart_groups(page: int = 1) -> paging.Page[ApartGroup]:
    return paging.of_query(sa.select(ApartGroup).options(selectinload(ApartGroup.members))
                           .order_by(ApartGroup.id), page, APART_PAGE_SIZE)


def add_apart_group(numbers: list[str], caseworker: User) -> ApartGroup:
    youths = []
    for cell in numbers:
        youth, error = find(cell)
        if youth is None:
            raise PriorityError("apart_invalid" if error == "invalid" else "apart_unknown")
        youths.append(youth)
    youths = list(dict.fromkeys(youths))
    if len(youths) < 2:
        raise PriorityError("apart_too_few")
    group = ApartGroup(created_by_id=caseworker.id,
                       members=[ApartMember(youth_id=y.id) for y in youths])
    db.session.add(group)
    db.session.flush()
    audit.record("apart.added", group, actor=caseworker, size=len(youths))
    return group


def remove_apart_group(group_id: int, caseworker: User) -> None:
    group = db.session.get(ApartGroup, group_id)
    if group is None:
        raise PriorityError("apart_group_not_found")
    audit.record("apart.removed", group, actor=caseworker)
    db.session.delete(group)
    db.session.flush()


@dataclass(frozen=True)
class SummerGaps:
    """Where social services' young people have nothing in a summer: for each week of the
    season and each district, how many of them have no place that week (neither a place
    offered or accepted in a round nor a sign-up with a place). Counts only, each week's
    column hidden below ``SMALL`` so that no count can be worked out from the others."""
    year: int
    weeks: list[str]
    #: [(district name or None, [count or None per week])], districts by name
    rows: list[tuple[str | None, list[int | None]]]
    #: per week, every district together (``None`` below ``SMALL``)
    totals: list[int | None]
    #: the young people counted: in a group set by social services, unexpired that summer
    youths: int


def summer_years() -> list[int]:
    """The summers the platform has rounds for, newest first."""
    from ..models import Round

    dates = db.session.scalars(sa.select(Round.reference_date).distinct())
    return sorted({d.year for d in dates}, reverse=True)


def summer_gaps(year: int) -> SummerGaps:
    """The weeks × districts table of ``year``'s summer (``facts.season_weeks``). Four
    queries, whatever the number of young people."""
    from ..allocation.figures import shown, shown_column
    from ..models import District, Offer, Placement, PlacementState, SignUp, YouthProfile

    weeks = facts.season_weeks(year)
    summer = date(year, 6, 15)
    targeted = dict(db.session.execute(
        sa.select(YouthProfile.id, YouthProfile.district_id).join(
            PriorityMembership, PriorityMembership.youth_id == YouthProfile.id)
        .join(PriorityGroup).where(
            ~PriorityGroup.automatic,
            sa.or_(PriorityMembership.expires_on.is_(None),
                   PriorityMembership.expires_on >= summer))).all())
    covered: dict[int, set[str]] = {}
    held = (sa.select(Placement.youth_id, Offer.weeks).join(Offer).where(
        Placement.state.in_((PlacementState.OFFERED, PlacementState.ACCEPTED)))
        .union_all(sa.select(SignUp.youth_id, Offer.weeks).join(Offer).where(SignUp.has_place)))
    for youth_id, offer_weeks in db.session.execute(held):
        if youth_id in targeted:
            covered.setdefault(youth_id, set()).update(offer_weeks or [])
    names = dict(db.session.execute(sa.select(District.id, District.name)).all())
    counts: dict[int | None, list[int]] = {}
    for youth_id, district_id in targeted.items():
        row = counts.setdefault(district_id if district_id in names else None, [0] * len(weeks))
        have = covered.get(youth_id, set())
        for index, week in enumerate(weeks):
            if week not in have:
                row[index] += 1
    order = sorted(counts, key=lambda d: (d is None, names.get(d, "") if d else ""))
    columns = [shown_column([counts[d][i] for d in order]) for i in range(len(weeks))]
    rows = [(names.get(d) if d else None, [columns[i][r] for i in range(len(weeks))])
            for r, d in enumerate(order)]
    totals = [shown(sum(counts[d][i] for d in order)) for i in range(len(weeks))]
    return SummerGaps(year, weeks, rows, totals, len(targeted))
