"""The round as a ``youth-allocation/1`` problem (shared/contracts/allocation-format.md).

Ids are pseudonymous (``Y<youth id>``, ``O<offer id>``): the exported problem carries
ages, priority tiers, districts and legal gender, never names or personal identity
numbers, so it can be published for anyone to re-run once the seed is revealed.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from stdnum.se import personnummer

from ..extensions import db
from ..models import (AllocationMode, ApartGroup, Application, Offer, OfferStatus, Override,
                      OverrideKind, Placement, PlacementState, PriorityGroup,
                      PriorityMembership, Round, YouthProfile)

#: Places already given in an earlier run of the round: kept (locked) or not offered again.
KEEP = (PlacementState.OFFERED, PlacementState.ACCEPTED)
NOT_AGAIN = (PlacementState.DECLINED, PlacementState.EXPIRED, PlacementState.WITHDRAWN)


def youth_key(youth_id: int) -> str:
    return f"Y{youth_id}"


def offer_key(offer_id: int) -> str:
    return f"O{offer_id}"


def key_id(key: str) -> int:
    return int(key[1:])


def round_offers(round_: Round) -> list[Offer]:
    return list(db.session.scalars(sa.select(Offer).where(
        Offer.round_id == round_.id, Offer.allocation_mode == AllocationMode.ROUND,
        Offer.status == OfferStatus.PUBLISHED).order_by(Offer.id)))


def build(round_: Round, seed: int) -> dict:
    """The problem for the next run of ``round_``, with the given lottery seed."""
    offers = round_offers(round_)
    offer_ids = {o.id for o in offers}
    applications = [a for a in db.session.scalars(sa.select(Application).where(
        Application.round_id == round_.id).order_by(Application.youth_id, Application.rank))
        if a.offer_id in offer_ids]
    earlier = _earlier_placements(round_, offer_ids)
    overrides = _active_overrides(round_, offer_ids)
    youth_ids = sorted({a.youth_id for a in applications} | {p.youth_id for p in earlier}
                       | {o.youth_id for o in overrides})
    youths = {y.id: y for y in db.session.scalars(
        sa.select(YouthProfile).where(YouthProfile.id.in_(youth_ids)))}
    groups = groups_by_youth(round_, youth_ids)
    return {
        "format": "youth-allocation/1",
        "policy": {**_policy(round_), "seed": seed},
        "youths": [_youth(youths[i], round_, groups.get(i, set())) for i in youth_ids],
        "offers": [_offer(o) for o in offers],
        "applications": [_application(a) for a in _dense_ranks(applications)],
        "locked": _pairs([p for p in earlier if p.state in KEEP]
                         + [o for o in overrides if o.kind is OverrideKind.LOCK]),
        "forbidden": _pairs([p for p in earlier if p.state in NOT_AGAIN]
                            + [o for o in overrides if o.kind is OverrideKind.FORBID]),
        "apart": _apart(round_, set(youth_ids)),
    }


def _policy(round_: Round) -> dict:
    allowed = ("max_places_per_youth", "max_jobs_per_youth", "priority_tiers", "priority_ranks")
    return {key: value for key, value in (round_.policy or {}).items() if key in allowed}


def _youth(youth: YouthProfile, round_: Round, groups: set[str]) -> dict:
    return {"id": youth_key(youth.id), "age": youth.age_on(round_.reference_date),
            "groups": sorted(groups),
            "district": youth.district.name if youth.district else "unknown",
            "gender": legal_gender(youth.personal_number)}


def legal_gender(number: str) -> str:
    """Legal gender as the personal identity number gives it (for statistics only)."""
    try:
        return personnummer.get_gender(number[2:8] + "-" + number[8:]).lower()
    except Exception:  # a malformed stored number must not stop a run
        return "unknown"


def groups_by_youth(round_: Round, youth_ids: list[int]) -> dict[int, set[str]]:
    """Each youth's groups: those set by social services (unexpired), and the automatic
    ones, ``first_time`` (no application in an earlier round) and
    ``no_previous_placement`` (applied before, never accepted a place). Three queries for
    the whole round, however many youths it has."""
    groups: dict[int, set[str]] = {}
    today = min(round_.reference_date, date.today())
    for youth_id, code, expires_on in db.session.execute(
            sa.select(PriorityMembership.youth_id, PriorityGroup.code,
                      PriorityMembership.expires_on).join(PriorityGroup)):
        if expires_on is None or expires_on >= today:
            groups.setdefault(youth_id, set()).add(code)
    earlier_rounds = sa.select(Round.id).where(Round.reference_date < round_.reference_date)
    applied_before = set(db.session.scalars(sa.select(Application.youth_id).distinct().where(
        Application.round_id.in_(earlier_rounds))))
    placed_before = set(db.session.scalars(sa.select(Placement.youth_id).distinct().where(
        Placement.round_id.in_(earlier_rounds), Placement.state == PlacementState.ACCEPTED)))
    for youth_id in youth_ids:
        automatic = ("no_previous_placement" if youth_id not in placed_before else None) \
            if youth_id in applied_before else "first_time"
        if automatic:
            groups.setdefault(youth_id, set()).add(automatic)
    return groups


def _offer(offer: Offer) -> dict:
    return {"id": offer_key(offer.id), "kind": offer.kind.value, "capacity": offer.capacity,
            "min_age": offer.min_age, "max_age": offer.max_age, "weeks": list(offer.weeks)}


def _dense_ranks(applications: list[Application]) -> list[tuple[int, int, int]]:
    """Ranks 1..k per youth, as the contract requires, even if an offer was withdrawn."""
    result, counters = [], {}
    for a in applications:
        counters[a.youth_id] = counters.get(a.youth_id, 0) + 1
        result.append((a.youth_id, a.offer_id, counters[a.youth_id]))
    return result


def _application(row: tuple[int, int, int]) -> dict:
    youth_id, offer_id, rank = row
    return {"youth": youth_key(youth_id), "offer": offer_key(offer_id), "rank": rank}


def _earlier_placements(round_: Round, offer_ids: set[int]) -> list[Placement]:
    return [p for p in db.session.scalars(sa.select(Placement).where(
        Placement.round_id == round_.id, Placement.state != PlacementState.PROPOSED))
        if p.offer_id in offer_ids]


def _active_overrides(round_: Round, offer_ids: set[int]) -> list[Override]:
    return [o for o in db.session.scalars(sa.select(Override).where(
        Override.round_id == round_.id, Override.removed_at.is_(None)))
        if o.offer_id in offer_ids]


def _pairs(rows) -> list[dict]:
    pairs = sorted({(r.youth_id, r.offer_id) for r in rows})
    return [{"youth": youth_key(y), "offer": offer_key(o)} for y, o in pairs]


def _apart(round_: Round, youth_ids: set[int]) -> list[dict]:
    groups = db.session.scalars(sa.select(ApartGroup).where(
        sa.or_(ApartGroup.round_id == round_.id, ApartGroup.round_id.is_(None)))
        .order_by(ApartGroup.id))
    result = []
    for group in groups:
        members = sorted(m.youth_id for m in group.members if m.youth_id in youth_ids)
        if len(members) >= 2:
            result.append({"youths": [youth_key(m) for m in members]})
    return result
