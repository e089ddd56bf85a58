"""Friend codes: a youth makes a code, shares it, and up to two friends enter it.

The rules (services: they flush, the request commits):

- only in a round whose policy turns friends on (``policy["friends"]``), and only while
  the youth may change their choices (the same eligibility as saving choices);
- a youth is in one group per round; a group has at most ``FRIEND_GROUP_MAX`` youths;
- a code is 10 random characters of Crockford's base32 (50 bits, ``secrets``): it cannot
  be guessed, and a mistyped code is refused as unknown, never matched to a near one;
- a youth sees the first names of the others in their group, and nothing else about
  them: each of them joined by having the code, so each chose to share it. Who is in a
  group is never shown to anyone outside it (staff see it in the problem, as ids);
- leaving is always possible while choices may change; the last one out ends the group.

The optimiser gets the groups of two or three youths who are in the round's problem
(``allocation.problem.build``); a member who applied for nothing is left out.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from .. import audit
from ..allocation.problem import KEY_ALPHABET
from ..extensions import db
from ..models import FRIEND_GROUP_MAX, DomainError, FriendMember, Round, YouthProfile
from . import services

CODE_LENGTH = 10
#: What people mistype in Crockford's base32: read as the digit it looks like.
CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


class FriendError(DomainError):
    """``code`` says which rule (``messages``)."""


@dataclass(frozen=True)
class FriendGroup:
    code: str
    #: First names of the others in the group, in the order they joined.
    friends: tuple[str, ...]

    @property
    def full(self) -> bool:
        return len(self.friends) + 1 >= FRIEND_GROUP_MAX

    @property
    def shown_code(self) -> str:
        """In two halves, easier to read out: ``ABCDE-FGHJK``."""
        return f"{self.code[:5]}-{self.code[5:]}"


def enabled(round_: Round) -> bool:
    return bool((round_.policy or {}).get("friends"))


def normalise(typed: str) -> str:
    """A typed code as stored: without spaces and dashes, in capitals, O/I/L read as 0/1."""
    return "".join(typed.split()).replace("-", "").upper().translate(CONFUSABLE)


def group_of(youth: YouthProfile, round_: Round) -> FriendGroup | None:
    code = _code_of(youth, round_)
    if code is None:
        return None
    others = db.session.scalars(sa.select(YouthProfile.first_name).join(FriendMember.youth).where(
        FriendMember.round_id == round_.id, FriendMember.code == code,
        FriendMember.youth_id != youth.id).order_by(FriendMember.joined_at, FriendMember.id))
    return FriendGroup(code, tuple(others))


def _code_of(youth: YouthProfile, round_: Round) -> str | None:
    return db.session.scalar(sa.select(FriendMember.code).where(
        FriendMember.round_id == round_.id, FriendMember.youth_id == youth.id))


def _may_change(youth: YouthProfile, round_: Round) -> None:
    if not enabled(round_):
        raise FriendError("friends_off")
    status = services.eligibility(youth, round_)
    if not status.eligible:   # the same refusal as saving choices: a group changes with them
        raise services.ChoiceError(status.reasons[0].value)
    # One change of a youth's group at a time (two tabs), as for their choices.
    db.session.execute(sa.select(YouthProfile.id).where(YouthProfile.id == youth.id)
                       .with_for_update())


def create(youth: YouthProfile, round_: Round) -> str:
    """A new group with ``youth`` in it; its code."""
    _may_change(youth, round_)
    if _code_of(youth, round_) is not None:
        raise FriendError("friends_already")
    code = _new_code(round_)
    db.session.add(FriendMember(round_id=round_.id, youth_id=youth.id, code=code))
    db.session.flush()
    audit.record("friends.created", round_, youth_id=youth.id)
    return code


def _new_code(round_: Round) -> str:
    while True:   # 50 bits: a clash is rare, but a code must name one group
        code = "".join(secrets.choice(KEY_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(sa.select(FriendMember.id).where(
                FriendMember.round_id == round_.id, FriendMember.code == code).limit(1)) is None:
            return code


def join(youth: YouthProfile, round_: Round, typed: str) -> None:
    _may_change(youth, round_)
    if _code_of(youth, round_) is not None:
        raise FriendError("friends_already")
    code = normalise(typed)
    # The members' rows locked: two youths joining at once cannot make a group of four.
    members = db.session.scalars(sa.select(FriendMember.id).where(
        FriendMember.round_id == round_.id, FriendMember.code == code).with_for_update()).all()
    if not members:
        raise FriendError("friends_unknown_code")
    if len(members) >= FRIEND_GROUP_MAX:
        raise FriendError("friends_full")
    db.session.add(FriendMember(round_id=round_.id, youth_id=youth.id, code=code))
    db.session.flush()
    audit.record("friends.joined", round_, youth_id=youth.id)


def leave(youth: YouthProfile, round_: Round) -> None:
    _may_change(youth, round_)
    db.session.execute(sa.delete(FriendMember).where(
        FriendMember.round_id == round_.id, FriendMember.youth_id == youth.id))
    db.session.flush()
    audit.record("friends.left", round_, youth_id=youth.id)

