"""Account rules: who may register and log in, tokens for e-mail and password reset."""
from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext as _, ngettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .. import audit, facts, i18n, links, mail, security
from ..db_retry import violated
from ..extensions import db
from ..identity import PersonalNumber
from ..models import (DomainError, Guardian, Organisation, OrganisationKind, Role, User,
                      YouthProfile, utcnow)

CONFIRM_SALT = "confirm-email"
RESET_SALT = "reset-password"


class EmailTaken(DomainError):
    code = "email_taken"


class PersonalNumberTaken(DomainError):
    code = "personal_number_taken"


class OrgNumberTaken(DomainError):
    code = "org_number_taken"


class LoginOutcome(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    THROTTLED = "throttled"
    UNCONFIRMED = "unconfirmed"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None
    #: With ``THROTTLED``: how long until the next attempt is checked.
    wait: timedelta | None = None


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str) -> LoginResult:
    """Check a login. Failures are counted; too many give ``THROTTLED`` with the wait,
    without checking the password (even a right one), so guessing stays slow. The
    rules are in ``security.login_wait``."""
    user = find_user(email)
    wait = security.login_wait(email, known_device=security.is_known_device(user))
    if wait is not None:
        return LoginResult(LoginOutcome.THROTTLED, wait=wait)
    if not security.check_password(user, password) or user is None:
        security.record_failed_login(email)
        audit.record("auth.login_failed", user, email=email.strip().lower()[:254])
        return LoginResult(LoginOutcome.WRONG)
    if not user.active:
        return LoginResult(LoginOutcome.INACTIVE, user)
    if user.email_confirmed_at is None:
        return LoginResult(LoginOutcome.UNCONFIRMED, user)
    security.clear_failed_logins(email)
    audit.record("auth.login", user, actor=user)
    return LoginResult(LoginOutcome.OK, user)


def _new_user(email: str, password: str, role: Role, language: str | None) -> User:
    if find_user(email):
        raise EmailTaken()
    return User(email=email.strip().lower(), password_hash=security.hash_password(password),
                role=role, preferred_language=language)


def register_youth(*, first_name: str, last_name: str, number: PersonalNumber, email: str,
                   phone: str, district_id: int, password: str,
                   language: str | None, school_year: int | None = None,
                   languages: list[str] | None = None,
                   guardian: dict[str, str] | None = None) -> User:
    if db.session.scalar(sa.select(YouthProfile.id)
                         .where(YouthProfile.personal_number == number.digits)):
        raise PersonalNumberTaken()
    user = _new_user(email, password, Role.YOUTH, language)
    user.youth_profile = YouthProfile(
        first_name=first_name.strip(), last_name=last_name.strip(),
        date_of_birth=number.birth_date, personal_number=number.digits, phone=phone or "",
        private_email=user.email, district_id=district_id, school_year=school_year,
        languages=languages or [])
    if (guardian and (guardian.get("name") or "").strip()
            and user.youth_profile.age_on(facts.today()) < facts.ADULT_AGE):
        user.youth_profile.guardians.append(Guardian(
            name=guardian["name"].strip(), email=(guardian.get("email") or "").strip(),
            phone=(guardian.get("phone") or "").strip(),
            language=i18n.stored_language(guardian.get("language"))))
    _add_account(user)
    audit.record("auth.register", user, actor=user, role=user.role.value)
    send_confirmation(user)
    return user


def register_provider(*, organisation_name: str, kind: str, org_number: str,
                      contact_name: str, phone: str, email: str, password: str,
                      language: str | None) -> User:
    if db.session.scalar(sa.select(Organisation.id)
                         .where(Organisation.org_number == org_number)):
        raise OrgNumberTaken()
    user = _new_user(email, password, Role.PROVIDER, language)
    user.organisation = Organisation(
        name=organisation_name.strip(), kind=OrganisationKind(kind), org_number=org_number,
        contact_name=contact_name.strip(), contact_email=user.email, contact_phone=phone or "",
        terms_accepted_at=utcnow())
    _add_account(user)
    audit.record("auth.register", user, actor=user, role=user.role.value,
                 organisation_id=user.organisation_id)
    send_confirmation(user)
    return user


def _add_account(user: User) -> None:
    """Insert a new account. Two registrations with one address (or number) at the same
    moment both pass the checks above; the database's unique constraints settle it, and
    the loser is told as if it had come second (the caller rolls back)."""
    db.session.add(user)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as error:
        clash = violated(error)
        if "personal_number" in clash:
            raise PersonalNumberTaken() from None
        if "org_number" in clash:
            raise OrgNumberTaken() from None
        if "email" in clash:
            raise EmailTaken() from None
        raise


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _max_age() -> int:
    return int(current_app.config["TOKEN_MAX_AGE"].total_seconds())


def _link_lifetime() -> str:
    """"The link works for 24 hours.", from ``TOKEN_MAX_AGE`` (in the reader's language)."""
    hours = _max_age() // 3600
    return ngettext("The link works for %(num)d hour.", "The link works for %(num)d hours.",
                    hours)


def _in_users_language(user: User, build):
    with force_locale(mail.user_language(user)):
        return build()


def send_confirmation(user: User) -> None:
    token = _serializer(CONFIRM_SALT).dumps({"user": user.id, "email": user.email})
    link = links.external("auth.confirm_email", token=token)
    subject, body = _in_users_language(user, lambda: (
        _("Confirm your e-mail address"),
        _("Hello!\n\nOpen this link to confirm your e-mail address and finish your "
          "registration:\n\n%(link)s\n\n%(lifetime)s If you did not register, you can "
          "ignore this message.", link=link, lifetime=_link_lifetime())))
    mail.send(user.email, subject, body, kind="auth.confirm_email", user=user)


def confirm_email(token: str) -> User | None:
    """Mark the address confirmed; ``None`` for a bad, expired or outdated token."""
    try:
        data = _serializer(CONFIRM_SALT).loads(token, max_age=_max_age())
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("user"))
    if user is None or user.email != data.get("email"):
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        audit.record("auth.email_confirmed", user, actor=user)
    return user


def _password_fingerprint(user: User) -> str:
    """Part of the current hash: a reset token stops working once the password changes."""
    return user.password_hash[-16:]


def request_password_reset(email: str) -> None:
    """Send a reset link if the address is known; say nothing either way (no user probing)."""
    user = find_user(email)
    if user is None or not user.active:
        return
    link = reset_link(user)
    subject, body = _in_users_language(user, lambda: (
        _("Choose a new password"),
        _("Hello!\n\nSomeone asked to reset the password for this address. Open this link "
          "to choose a new password:\n\n%(link)s\n\n%(lifetime)s It works only once. If it "
          "was not you, ignore this message: your password stays as it is.",
          link=link, lifetime=_link_lifetime())))
    mail.send(user.email, subject, body, kind="auth.reset_password", user=user)
    audit.record("auth.reset_requested", user, actor=user)


def reset_link(user: User) -> str:
    """A link to choose a password: single use, valid for ``TOKEN_MAX_AGE``."""
    token = _serializer(RESET_SALT).dumps({"user": user.id, "pw": _password_fingerprint(user)})
    return links.external("auth.reset_password", token=token)


def invite_provider(organisation: Organisation, email: str, invited_by: User) -> User:
    """A colleague's account, without a password until they choose one by the link.
    An address with an account already is ``colleague_email_taken``: the inviter, not
    the owner, is told."""
    try:
        user = _new_user(email, secrets.token_urlsafe(32), Role.PROVIDER,
                         invited_by.preferred_language)
        user.organisation = organisation
        _add_account(user)
    except EmailTaken:
        raise EmailTaken("colleague_email_taken") from None
    subject, body = _in_users_language(user, lambda: (
        _("You are invited to %(organisation)s", organisation=organisation.name),
        _("Hello!\n\n%(name)s has invited you to post summer jobs and activities for "
          "%(organisation)s. Open this link to choose your password:\n\n%(link)s\n\n"
          "%(lifetime)s", name=invited_by.email, organisation=organisation.name,
          link=reset_link(user), lifetime=_link_lifetime())))
    mail.send(user.email, subject, body, kind="auth.invitation", user=user)
    audit.record("auth.invited", user, actor=invited_by, organisation_id=organisation.id)
    return user


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _serializer(RESET_SALT).loads(token, max_age=_max_age())
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("user"))
    if user is None or data.get("pw") != _password_fingerprint(user):
        return None
    return user


def reset_password(user: User, password: str) -> None:
    user.password_hash = security.hash_password(password)
    # Following the link proves the address too.
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    security.revoke_all_sessions(user)
    security.clear_failed_logins(user.email)
    audit.record("auth.password_reset", user, actor=user)
