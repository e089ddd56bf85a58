"""Accounts: who may log in, with which role, and their live sessions."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, enum_type, utcnow

if TYPE_CHECKING:
    from .organisation import Organisation
    from .youth import YouthProfile


class Role(enum.Enum):
    """One person, one role."""

    YOUTH = "youth"
    PROVIDER = "provider"
    CASEWORKER = "caseworker"
    ADMINISTRATOR = "administrator"

    @property
    def is_staff(self) -> bool:
        return self in (Role.CASEWORKER, Role.ADMINISTRATOR)


class User(db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    #: argon2id hash, see ``youth_app.security.passwords``.
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role))
    preferred_language: Mapped[Optional[str]] = mapped_column(sa.String(5))
    active: Mapped[bool] = mapped_column(default=True)
    #: An administrator who may read a run's full problem and result (with priority
    #: groups under pseudonyms) to audit it; every such read is in the audit log.
    auditor: Mapped[bool] = mapped_column(default=False)
    email_confirmed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    #: Base32 secret of the staff's authenticator app (second factor).
    totp_secret: Mapped[Optional[str]] = mapped_column(sa.String(64))
    #: The 30-second time step of the last code accepted: a code works only once.
    totp_last_step: Mapped[Optional[int]] = mapped_column(sa.BigInteger)
    organisation_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    organisation: Mapped[Optional["Organisation"]] = relationship(
        back_populates="users", foreign_keys=[organisation_id])
    youth_profile: Mapped[Optional["YouthProfile"]] = relationship(back_populates="user")

    __table_args__ = (
        sa.CheckConstraint(
            "(role = 'provider') = (organisation_id IS NOT NULL)",
            name="provider_has_organisation"),
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"

    @property
    def is_youth(self) -> bool:
        return self.role is Role.YOUTH

    @property
    def is_caseworker(self) -> bool:
        return self.role is Role.CASEWORKER

    @property
    def is_administrator(self) -> bool:
        return self.role is Role.ADMINISTRATOR

    @property
    def may_audit(self) -> bool:
        """May read a run's full problem and result: an administrator with the auditor
        permission (``access.AUDITOR``)."""
        return self.is_administrator and self.auditor


class LoginSession(db.Model):
    """A server-side record of one login, so that logging out really ends it.

    Flask's session cookie only carries this row's random ``token``; once the row is
    revoked, a copied cookie no longer logs anyone in.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True,
                                       default=lambda: secrets.token_urlsafe(32))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    #: Set once the second factor is checked (staff only); issue 6 requires it.
    second_factor_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    @property
    def needs_second_factor(self) -> bool:
        """Staff must give their code before anything else in this login."""
        return self.user.role.is_staff and self.second_factor_at is None


class LoginAttempt(db.Model):
    """Failed logins, counted to throttle password guessing."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    ip_address: Mapped[str] = mapped_column(sa.String(45), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
