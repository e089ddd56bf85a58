"""The round as a problem in the optimiser's format (``docs/allocation-format.md``).

Youths are keyed by their round pseudonym (``RoundPseudonym``): random, drawn per round,
never derived from a database id. Offers keep ``O<offer id>`` (offers are public). The
problem carries ages, priority groups, districts and legal gender, never names or
personal identity numbers; it is still confidential (groups are social services' data)
and only auditors download it (``rounds.audit_file``). What anyone may see of a round
is in ``allocation.public``.

Staff pages and forms name a youth by ``staff_reference`` (``Y<youth id>``), which
appears in nothing public.
"""
from __future__ import annotations

import secrets

import sqlalchemy as sa
from stdnum.se import personnummer

import matching
from matching import fingerprint as fingerprint  # re-exported: services call problems.fingerprint

from .. import facts
from ..extensions import db
from ..models import (AllocationMode, ApartGroup, ApartMember, Application, FriendMember, Offer,
                      OfferStatus, Override, OverrideKind, Placement, PlacementState,
                      PriorityGroup, PriorityMembership, Round, RoundPseudonym, YouthProfile)

#: Places already given in an earlier run of the round: kept (locked) or not offered again.
KEEP = (PlacementState.OFFERED, PlacementState.ACCEPTED)
NOT_AGAIN = (PlacementState.DECLINED, PlacementState.EXPIRED, PlacementState.WITHDRAWN)

#: Pseudonyms: 10 characters of Crockford's base32 (no I, L, O, U), 50 random bits.
KEY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
KEY_LENGTH = 10


def offer_key(offer_id: int) -> str:
    return f"O{offer_id}"


def offer_id_of(key: str) -> int:
    """The offer id in ``O<id>``; ``ValueError`` for anything else."""
    if not key.startswith("O") or not key[1:].isascii() or not key[1:].isdigit():
        raise ValueError(f"not an offer key: {key!r}")
    return int(key[1:])


def staff_reference(youth_id: int) -> str:
    """How staff pages and forms name a youth: internal, never in anything public."""
    return f"Y{youth_id}"


def staff_reference_id(reference: str) -> int:
    reference = reference.strip().upper()
    if not reference.startswith("Y") or not reference[1:].isascii() \
            or not reference[1:].isdigit() or len(reference) > 11:
        raise ValueError(f"not a staff reference: {reference!r}")
    return int(reference[1:])


def new_key() -> str:
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))


def youth_keys(round_id: int, youth_ids) -> dict[int, str]:
    """Each youth's pseudonym in the round, drawing (and storing) the missing ones."""
    keys = dict(db.session.execute(sa.select(RoundPseudonym.youth_id, RoundPseudonym.key)
                                   .where(RoundPseudonym.round_id == round_id)).all())
    taken = set(keys.values())
    new = []
    for youth_id in sorted(set(youth_ids) - keys.keys()):
        key = new_key()
        while key in taken:  # 50 bits: a clash is rare, but the constraint is absolute
            key = new_key()
        taken.add(key)
        keys[youth_id] = key
        new.append({"round_id": round_id, "youth_id": youth_id, "key": key})
    for start in range(0, len(new), 5000):
        db.session.execute(sa.insert(RoundPseudonym), new[start:start + 5000])
    return keys


def youth_ids_by_key(round_id: int) -> dict[str, int]:
    """Pseudonym -> youth id for the round (to turn a result back into people)."""
    return dict(db.session.execute(sa.select(RoundPseudonym.key, RoundPseudonym.youth_id)
                                   .where(RoundPseudonym.round_id == round_id)).all())


def key_of(round_id: int, youth_id: int) -> str | None:
    return db.session.scalar(sa.select(RoundPseudonym.key).where(
        RoundPseudonym.round_id == round_id, RoundPseudonym.youth_id == youth_id))


def round_offers(round_: Round) -> list[Offer]:
    return list(db.session.scalars(sa.select(Offer).where(
        Offer.round_id == round_.id, Offer.allocation_mode == AllocationMode.ROUND,
        Offer.status == OfferStatus.PUBLISHED).order_by(Offer.id)))


def build(round_: Round, seed: int) -> dict:
    """The problem for the next run of ``round_``, with the given lottery seed.

    Set-based: a fixed number of queries whatever the number of youths, and no list of
    ids bound into a statement (PostgreSQL takes at most 65,535 parameters)."""
    offers = round_offers(round_)
    offer_ids = {o.id for o in offers}
    applications = [a for a in db.session.execute(sa.select(
        Application.youth_id, Application.offer_id).where(Application.round_id == round_.id)
        .order_by(Application.youth_id, Application.rank)) if a.offer_id in offer_ids]
    earlier = _earlier_placements(round_, offer_ids)
    overrides = _active_overrides(round_, offer_ids)
    youth_ids = sorted({a.youth_id for a in applications} | {p.youth_id for p in earlier}
                       | {o.youth_id for o in overrides})
    keys = youth_keys(round_.id, youth_ids)
    wanted = set(youth_ids)
    youths = {y.id: y for y in db.session.scalars(
        sa.select(YouthProfile).where(YouthProfile.id.in_(_youths_of(round_)))
        .options(sa.orm.joinedload(YouthProfile.district))) if y.id in wanted}
    groups = groups_by_youth(round_, youth_ids)
    return {
        "format": matching.FORMAT,
        "policy": {**_policy(round_), "seed": seed},
        "youths": sorted((_youth(youths[i], keys[i], round_, groups.get(i, set()))
                          for i in youth_ids), key=lambda y: y["id"]),
        "offers": [_offer(o) for o in offers],
        "applications": sorted((_application(keys, a) for a in _dense_ranks(applications)),
                               key=lambda a: (a["youth"], a["rank"])),
        "locked": _pairs(keys, [p for p in earlier if p.state in KEEP]
                         + [o for o in overrides if o.kind is OverrideKind.LOCK]),
        "forbidden": _pairs(keys, [p for p in earlier if p.state in NOT_AGAIN]
                            + [o for o in overrides if o.kind is OverrideKind.FORBID]),
        "apart": _apart(round_, keys),
        **_friends(round_, keys),
    }


def _youths_of(round_: Round):
    """Every youth a run of the round can concern, as a subquery."""
    return sa.union(
        sa.select(Application.youth_id).where(Application.round_id == round_.id),
        sa.select(Placement.youth_id).where(Placement.round_id == round_.id),
        sa.select(Override.youth_id).where(Override.round_id == round_.id))


def _policy(round_: Round) -> dict:
    """The optimiser's keys of the round's policy; ``friends`` only when on, so a round
    without friend codes gives the same problem (and fingerprint) as before they existed."""
    allowed = ("max_places_per_youth", "max_jobs_per_youth", "priority_tiers", "priority_ranks")
    policy = {key: value for key, value in (round_.policy or {}).items() if key in allowed}
    return {**policy, "friends": True} if (round_.policy or {}).get("friends") else policy


def _friends(round_: Round, keys: dict[int, str]) -> dict:
    """``{"friends": [...]}`` when the policy uses them: the round's friend groups
    (``youth.friends``) as problem ids, members not in the problem left out, groups left
    with one member dropped; sorted, so the same groups give the same problem."""
    if not (round_.policy or {}).get("friends"):
        return {}
    by_code: dict[str, list[str]] = {}
    for youth_id, code in db.session.execute(sa.select(FriendMember.youth_id, FriendMember.code)
                                             .where(FriendMember.round_id == round_.id)):
        if youth_id in keys:
            by_code.setdefault(code, []).append(keys[youth_id])
    groups = sorted(sorted(g) for g in by_code.values() if len(g) >= 2)
    return {"friends": [{"youths": g} for g in groups]}


def _youth(youth: YouthProfile, key: str, round_: Round, groups: set[str]) -> dict:
    return {"id": key, "age": youth.age_on(round_.reference_date),
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
    today = min(round_.reference_date, facts.today())
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
    """``min_participants`` only when above 1 (1 asks for nothing), and at most the
    capacity (the form keeps it there; a capacity lowered later would otherwise make the
    problem unreadable, and a minimum as large as the capacity still says "only if full")."""
    minimum = min(offer.min_participants or 0, offer.capacity)
    return {"id": offer_key(offer.id), "kind": offer.kind.value, "capacity": offer.capacity,
            "min_age": offer.min_age, "max_age": offer.max_age, "weeks": list(offer.weeks),
            **({"min_participants": minimum} if minimum > 1 else {})}


def _dense_ranks(applications) -> list[tuple[int, int, int]]:
    """Ranks 1..k per youth, as the contract requires, even if an offer was withdrawn."""
    result: list[tuple[int, int, int]] = []
    counters: dict[int, int] = {}
    for youth_id, offer_id in applications:
        counters[youth_id] = counters.get(youth_id, 0) + 1
        result.append((youth_id, offer_id, counters[youth_id]))
    return result


def _application(keys: dict[int, str], row: tuple[int, int, int]) -> dict:
    youth_id, offer_id, rank = row
    return {"youth": keys[youth_id], "offer": offer_key(offer_id), "rank": rank}


def _earlier_placements(round_: Round, offer_ids: set[int]) -> list[Placement]:
    return [p for p in db.session.scalars(sa.select(Placement).where(
        Placement.round_id == round_.id, Placement.state != PlacementState.PROPOSED))
        if p.offer_id in offer_ids]


def _active_overrides(round_: Round, offer_ids: set[int]) -> list[Override]:
    return [o for o in db.session.scalars(sa.select(Override).where(
        Override.round_id == round_.id, Override.removed_at.is_(None)))
        if o.offer_id in offer_ids]


def _pairs(keys: dict[int, str], rows) -> list[dict]:
    pairs = sorted({(keys[r.youth_id], offer_key(r.offer_id)) for r in rows})
    return [{"youth": y, "offer": o} for y, o in pairs]


def _apart(round_: Round, keys: dict[int, str]) -> list[dict]:
    members: dict[int, list[str]] = {}
    for group_id, youth_id in db.session.execute(
            sa.select(ApartMember.group_id, ApartMember.youth_id).join(ApartGroup).where(
                sa.or_(ApartGroup.round_id == round_.id, ApartGroup.round_id.is_(None)))
            .order_by(ApartMember.group_id)):
        if youth_id in keys:
            members.setdefault(group_id, []).append(keys[youth_id])
    return sorted(({"youths": sorted(group)} for group in members.values() if len(group) >= 2),
                  key=lambda group: group["youths"])
