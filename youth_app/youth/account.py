"""A youth's own data: correct it, download all of it, and remove the account.

Removal follows the municipality's retention rules: a place the youth accepted is part
of an employment or activity record that must be kept (for jobs, wages are paid from it),
so the name, personal identity number and those places are kept, and said so. Everything
else goes: contact details, guardians, choices, sign-ups, messages and the login.
Confidential priority data is never shown here; it is removed with the profile.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from .. import audit, facts, i18n
from ..extensions import db
from ..models import (Application, FriendMember, Guardian, OutgoingMessage, Placement, PlacementState,
                      PriorityMembership, Round, SignUp, User, YouthProfile)

KEPT_STATES = (PlacementState.ACCEPTED,)


def update_profile(youth: YouthProfile, **fields) -> None:
    """Change what the youth may change themselves; names and the personal identity number
    come from the population register and are corrected by staff."""
    guardians = fields.pop("guardians", None)
    for name, value in fields.items():
        setattr(youth, name, value)
    if guardians is not None:
        _replace_guardians(youth, [g for g in guardians if g.get("name")])
    db.session.flush()
    audit.record("youth.profile_updated", youth, actor=youth.user, fields=sorted(fields))


def _replace_guardians(youth: YouthProfile, wanted: list[dict]) -> None:
    """Keep a guardian whose e-mail address is unchanged (consent requests point at the
    row); a new or corrected address makes a new guardian, who is then asked."""
    by_email = {g.email: g for g in youth.guardians if g.email}
    kept = []
    for values in wanted:
        guardian = by_email.pop(values.get("email") or "", None) or Guardian()
        for name, value in values.items():
            setattr(guardian, name, i18n.stored_language(value) if name == "language" else value)
        kept.append(guardian)
    youth.guardians = kept


def _plain(value):
    """A value as the download carries it: a moment as ISO 8601 on the municipality's
    clock with its offset (``2027-04-16T23:00:00+02:00``), never bare UTC, so the file
    says the same time My page does."""
    if isinstance(value, datetime):
        return value.astimezone(facts.zone()).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return getattr(value, "value", value)


def _row(obj, columns: list[str]) -> dict:
    return {name: _plain(getattr(obj, name)) for name in columns}


def export(youth: YouthProfile) -> dict:
    """Everything the platform holds about the youth that the youth may see."""
    user = youth.user
    applications = db.session.scalars(sa.select(Application).where(
        Application.youth_id == youth.id).order_by(Application.round_id, Application.rank))
    placements = db.session.scalars(sa.select(Placement).where(Placement.youth_id == youth.id))
    sign_ups = db.session.scalars(sa.select(SignUp).where(SignUp.youth_id == youth.id))
    messages = list(db.session.scalars(sa.select(OutgoingMessage).where(
        OutgoingMessage.user_id == user.id).order_by(OutgoingMessage.id))) if user else []
    return {
        "account": _row(user, ["email", "preferred_language", "created_at", "last_login_at"])
        if user else None,
        "profile": {**_row(youth, ["first_name", "last_name", "date_of_birth",
                                   "personal_number", "phone", "private_email", "school",
                                   "school_year", "languages", "resident", "shared_notes",
                                   "created_at"]),
                    "district": youth.district.name if youth.district else None},
        "guardians": [_row(g, ["name", "email", "phone", "language"]) for g in youth.guardians],
        "applications": [{"round": a.round.name, "offer": a.offer.title, "rank": a.rank,
                          "created_at": _plain(a.created_at)} for a in applications],
        "placements": [{"offer": p.offer.title, "rank": p.rank, "state": p.state.value,
                        "offered_at": _plain(p.offered_at), "reply_by": _plain(p.reply_by),
                        "answered_at": _plain(p.answered_at)} for p in placements],
        "sign_ups": [{"offer": s.offer.title, "status": s.status.value,
                      "created_at": _plain(s.created_at)} for s in sign_ups],
        "messages": [_row(m, ["created_at", "subject", "body"]) for m in messages],
        # The youth's own friend codes; who else is in a group is the others' data.
        "friend_codes": [{"round": round_name, "code": code, "joined_at": _plain(joined)}
                         for round_name, code, joined in db.session.execute(
                             sa.select(Round.name, FriendMember.code, FriendMember.joined_at)
                             .join(Round, Round.id == FriendMember.round_id)
                             .where(FriendMember.youth_id == youth.id).order_by(FriendMember.id))],
    }


def remove(youth: YouthProfile) -> bool:
    """Remove the account. Returns ``True`` when something had to be kept."""
    keep = bool(db.session.scalar(sa.select(sa.func.count(Placement.id)).where(
        Placement.youth_id == youth.id, Placement.state.in_(KEPT_STATES))))
    user = youth.user
    audit.record("youth.removed", youth, actor=user, kept_placements=keep)
    for model in (Application, SignUp, PriorityMembership, FriendMember):
        db.session.execute(sa.delete(model).where(model.youth_id == youth.id))
    if user is not None:
        db.session.execute(sa.delete(OutgoingMessage).where(OutgoingMessage.user_id == user.id))
    if keep:
        _strip(youth)
    else:
        db.session.execute(sa.delete(Placement).where(Placement.youth_id == youth.id))
        db.session.delete(youth)
    if user is not None:
        _close(user)
    db.session.flush()
    return keep


def _strip(youth: YouthProfile) -> None:
    youth.phone = youth.private_email = youth.school = youth.shared_notes = ""
    youth.languages, youth.guardians, youth.user_id = [], [], None
    db.session.execute(sa.delete(Placement).where(
        Placement.youth_id == youth.id, Placement.state.not_in(KEPT_STATES)))


def _close(user: User) -> None:
    """The login goes; the row stays (anonymised) so audit lines keep their actor id."""
    from ..security import revoke_all_sessions

    revoke_all_sessions(user)
    user.email = f"removed-{user.id}@removed.invalid"
    user.password_hash = "!"
    user.active = False
    user.youth_profile = None
    user.email_confirmed_at = None
    user.preferred_language = None
