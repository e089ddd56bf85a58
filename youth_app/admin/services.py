"""Administrators' read models."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import force_locale, gettext as _
from sqlalchemy.orm import selectinload

from .. import audit, facts, links, mail, paging
from ..extensions import db
from ..models import (Attendance, DomainError, Offer, OfferStatus, Organisation,
                      OutgoingMessage, Placement, PlacementState, Role, Round, User,
                      YouthProfile, transition, utcnow)


def overview() -> dict[str, int]:
    """Counts for the administrator's start page."""
    def count(statement) -> int:
        return db.session.scalar(statement) or 0

    return {
        "rounds": count(sa.select(sa.func.count(Round.id))),
        "organisations": count(sa.select(sa.func.count(Organisation.id))),
        "organisations_waiting": count(sa.select(sa.func.count(Organisation.id))
                                       .where(Organisation.approved_at.is_(None))),
        "offers": count(sa.select(sa.func.count(Offer.id))),
        "youths": count(sa.select(sa.func.count(YouthProfile.id))),
        "staff": count(sa.select(sa.func.count(User.id)).where(
            User.role.in_([Role.CASEWORKER, Role.ADMINISTRATOR]))),
    }


#: Rows on one page of the sent messages, of the offers to review, of the organisations
#: and of the hours waiting for approval.
MESSAGES_PAGE_SIZE = paging.PAGE_SIZE
OFFERS_PAGE_SIZE = 20
ORGANISATIONS_PAGE_SIZE = paging.PAGE_SIZE
HOURS_PAGE_SIZE = paging.PAGE_SIZE


def recent_messages(page: int = 1) -> paging.Page[OutgoingMessage]:
    """Newest first; not counted (a season sends several messages to every youth)."""
    return paging.of_query(sa.select(OutgoingMessage).order_by(OutgoingMessage.id.desc()),
                           page, MESSAGES_PAGE_SIZE, counted=False)


class AdminRuleError(DomainError):
    """``code`` says which rule (``messages``)."""


def organisations(page: int = 1) -> paging.Page[Organisation]:
    """Waiting for approval first, then by name."""
    return paging.of_query(sa.select(Organisation).order_by(
        Organisation.approved_at.is_not(None), sa.func.lower(Organisation.name),
        Organisation.id), page, ORGANISATIONS_PAGE_SIZE)


def approve_organisation(organisation_id: int, admin: User) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise AdminRuleError("organisation_not_found")
    organisation.approved_at = organisation.approved_at or utcnow()
    audit.record("organisation.approved", organisation, actor=admin)
    return organisation


def offers_to_review(page: int = 1) -> paging.Page[Offer]:
    """Oldest first: the one waiting longest is reviewed first."""
    return paging.of_query(sa.select(Offer).where(Offer.status == OfferStatus.SUBMITTED)
                           .options(selectinload(Offer.organisation))
                           .order_by(Offer.created_at, Offer.id), page, OFFERS_PAGE_SIZE)


def review_offer(offer_id: int, publish: bool, admin: User, reason: str = "") -> Offer:
    """Publish a submitted offer, or send it back to the provider as a draft with the
    reason (required); either way the provider's contact hears of it by e-mail."""
    offer = db.session.get(Offer, offer_id)
    reason = reason.strip()
    if offer is None or offer.status is not OfferStatus.SUBMITTED:
        raise AdminRuleError("not_submitted")
    if publish and not offer.organisation.approved:
        raise AdminRuleError("organisation_not_approved")
    if not publish and not reason:
        raise AdminRuleError("return_reason_needed")
    if not transition(offer, Offer.status == OfferStatus.SUBMITTED,
                      status=OfferStatus.PUBLISHED if publish else OfferStatus.DRAFT,
                      return_reason=None if publish else reason):
        raise AdminRuleError("not_submitted")  # another administrator decided first
    audit.record("offer.published" if publish else "offer.returned", offer, actor=admin)
    _tell_provider(offer, publish)
    return offer


def _tell_provider(offer: Offer, published: bool) -> None:
    """E-mail the organisation's contact, in the language of its provider account."""
    org = offer.organisation
    user = db.session.scalar(sa.select(User).where(User.organisation_id == org.id)
                             .order_by((User.email == org.contact_email).desc(), User.id)
                             .limit(1))
    link = links.external("provider.offer", offer_id=offer.id)
    with force_locale(mail.user_language(user)):
        if published:
            subject = _("Your offer is published: %(title)s", title=offer.title)
            body = _("Hello %(name)s!\n\nYour offer %(title)s is approved and published. "
                     "Young people can now see it.\n\n%(link)s",
                     name=org.contact_name, title=offer.title, link=link)
        else:
            subject = _("Your offer needs changes: %(title)s", title=offer.title)
            body = _("Hello %(name)s!\n\nYour offer %(title)s has been returned to you for "
                     "changes. The reason:\n\n%(reason)s\n\nChange it and send it for "
                     "review again.\n\n%(link)s", name=org.contact_name, title=offer.title,
                     reason=offer.return_reason, link=link)
    mail.send(org.contact_email, subject, body,
              kind="offer.published" if published else "offer.returned", user=user)


def hours_waiting(page: int = 1) -> paging.Page[Attendance]:
    """Job hours reported by supervisors and not yet approved, oldest day first."""
    return paging.of_query(sa.select(Attendance).join(Offer).where(
        Offer.is_job, Attendance.approved_at.is_(None))
        .options(selectinload(Attendance.youth), selectinload(Attendance.offer))
        .order_by(Attendance.day, Attendance.id), page, HOURS_PAGE_SIZE)


def approve_hours(attendance_ids: list[int], admin: User) -> int:
    rows = db.session.scalars(sa.select(Attendance).where(
        Attendance.id.in_(attendance_ids), Attendance.approved_at.is_(None))).all()
    for row in rows:
        row.approved_at, row.approved_by_id = utcnow(), admin.id
    audit.record("hours.approved", None, actor=admin, count=len(rows))
    return len(rows)


def approved_hours_per_youth() -> list[tuple]:
    """For payroll: one row per youth and job, with approved days and hours."""
    statement = (sa.select(YouthProfile, Offer, sa.func.count(Attendance.id),
                           sa.func.sum(Attendance.hours))
                 .join(Attendance, Attendance.youth_id == YouthProfile.id)
                 .join(Offer, Offer.id == Attendance.offer_id)
                 .where(Attendance.approved_at.is_not(None), Offer.is_job,
                        Attendance.present.is_(True))
                 .group_by(YouthProfile.id, Offer.id)
                 .order_by(YouthProfile.last_name, YouthProfile.first_name, Offer.id))
    return [(youth.full_name, youth.personal_number, offer.title, offer.organisation.name,
             days, float(hours or 0)) for youth, offer, days, hours
            in db.session.execute(statement)]


#: Places waiting for a guardian's consent on one page.
CONSENTS_PAGE_SIZE = 20


def consents(page: int = 1, today: date | None = None,
             name: str = "") -> paging.Page[Placement]:
    """Job places offered to minors and not yet answered, soonest reply first: their
    consent must be followed up (an accepted place had its consent; an answered one needs
    none), those of a young person whose name holds every word of ``name`` if given.
    Minors are found in the query (``needs_consent``'s rule as a birth date), so a page
    costs the same however many places there are."""
    return paging.of_query(
        sa.select(Placement).join(Offer).join(YouthProfile, YouthProfile.id == Placement.youth_id)
        .where(Offer.is_job, Placement.state == PlacementState.OFFERED,
               YouthProfile.date_of_birth > facts.last_adult_birth_date(today or facts.today()))
        .where(_named(name))
        .options(selectinload(Placement.youth), selectinload(Placement.offer))
        .order_by(Placement.reply_by, Placement.id), page, CONSENTS_PAGE_SIZE)


def _named(name: str) -> sa.ColumnElement[bool]:
    """Every word of ``name`` in the young person's name; any young person for none."""
    named = YouthProfile.name_contains(name)
    return sa.true() if named is None else named
