"""Confidential priority: social services' own data about which youths to favour.

Only caseworkers see names next to groups. Every read and every change writes one
audit row (``priority.read`` once per page that shows it, ``priority.added`` ...).
Administrators get counts per group, never names.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from .. import audit
from ..extensions import db
from ..identity import InvalidNumber, parse_personal_number
from ..models import (ApartGroup, ApartMember, DomainError, PriorityGroup, PriorityMembership,
                      User, YouthProfile)

MAX_RESULTS = 50


class PriorityError(DomainError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


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
                                                 YouthProfile.first_name)
    try:
        number = parse_personal_number(query)
        statement = statement.where(YouthProfile.personal_number == number.digits)
    except InvalidNumber:
        words = [w for w in query.lower().split() if w]
        if not words:
            return []
        for word in words:
            pattern = f"%{word}%"
            statement = statement.where(sa.or_(
                sa.func.lower(YouthProfile.first_name).like(pattern),
                sa.func.lower(YouthProfile.last_name).like(pattern)))
    return list(db.session.scalars(statement.limit(MAX_RESULTS)))


def memberships(youth: YouthProfile) -> list[PriorityMembership]:
    return list(db.session.scalars(sa.select(PriorityMembership).where(
        PriorityMembership.youth_id == youth.id).order_by(PriorityMembership.set_at)))


def members(group: PriorityGroup) -> list[PriorityMembership]:
    return list(db.session.scalars(sa.select(PriorityMembership).where(
        PriorityMembership.group_id == group.id).join(YouthProfile)
        .order_by(YouthProfile.last_name, YouthProfile.first_name)))


def add(youth: YouthProfile, group: PriorityGroup, reason: str, expires_on: date | None,
        caseworker: User) -> PriorityMembership:
    if group.automatic:
        raise PriorityError("automatic")
    membership = db.session.scalar(sa.select(PriorityMembership).where(
        PriorityMembership.youth_id == youth.id, PriorityMembership.group_id == group.id))
    if membership is None:
        membership = PriorityMembership(youth_id=youth.id, group_id=group.id)
        db.session.add(membership)
    membership.reason, membership.expires_on = reason.strip(), expires_on
    membership.set_by_id = caseworker.id
    db.session.flush()
    audit.record("priority.added", membership, actor=caseworker, group=group.code,
                 youth_id=youth.id)
    return membership


def remove(membership_id: int, caseworker: User) -> None:
    membership = db.session.get(PriorityMembership, membership_id)
    if membership is None:
        raise PriorityError("not_found")
    audit.record("priority.removed", membership, actor=caseworker,
                 group=membership.group.code, youth_id=membership.youth_id)
    db.session.delete(membership)
    db.session.flush()


@dataclass
class ImportResult:
    added: int = 0
    #: (line number, the number as written, error code)
    errors: list[tuple[int, str, str]] = field(default_factory=list)


def import_csv(data: bytes, group: PriorityGroup, expires_on: date | None, reason: str,
               caseworker: User) -> ImportResult:
    """One personal identity number per line (a header line is allowed). All or nothing:
    if any line is wrong, nothing is imported and every wrong line is listed."""
    result, found = ImportResult(), []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append((0, "", "encoding"))
        return result
    for line_number, row in enumerate(csv.reader(io.StringIO(text), delimiter=";"), start=1):
        cell = (row[0] if row else "").strip()
        if not cell or (line_number == 1 and not any(c.isdigit() for c in cell)):
            continue
        youth, error = _find(cell)
        if error:
            result.errors.append((line_number, cell, error))
        else:
            found.append(youth)
    if result.errors:
        return result
    for youth in dict.fromkeys(found):
        add(youth, group, reason, expires_on, caseworker)
        result.added += 1
    return result


def _find(cell: str) -> tuple[YouthProfile | None, str | None]:
    try:
        digits = parse_personal_number(cell).digits
    except InvalidNumber:
        return None, "invalid"
    youth = db.session.scalar(sa.select(YouthProfile).where(
        YouthProfile.personal_number == digits))
    return (youth, None) if youth else (None, "unknown")


def apart_groups() -> list[ApartGroup]:
    return list(db.session.scalars(sa.select(ApartGroup).order_by(ApartGroup.id)))


def add_apart_group(numbers: list[str], caseworker: User) -> ApartGroup:
    youths = []
    for cell in numbers:
        youth, error = _find(cell)
        if error:
            raise PriorityError(f"apart_{error}")
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
        raise PriorityError("not_found")
    audit.record("apart.removed", group, actor=caseworker)
    db.session.delete(group)
    db.session.flush()
