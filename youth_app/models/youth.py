"""Young people, their guardians and their guardians' consent."""
from __future__ import annotations

import enum
import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, create_extensions, enum_type, like_literal, utcnow

if TYPE_CHECKING:
    from .user import User


class District(db.Model):
    """A part of the municipality; offers and youths belong to one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)


class YouthProfile(db.Model):
    __table_args__ = (
        #: Lists of youths are ordered by name, a page at a time.
        sa.Index("ix_youth_profile_last_name", "last_name", "first_name", "id"),
        # Searches by part of a name (``name_text``) use a trigram index on PostgreSQL,
        # ``ix_youth_profile_name_text``, created with the table (``NAME_TEXT_INDEX``).
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), unique=True)
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    date_of_birth: Mapped[date]
    #: Personnummer or samordningsnummer, 12 digits, compact. Shown in full only to
    #: social services and administrators; see ``masked_personal_number``.
    personal_number: Mapped[str] = mapped_column(sa.String(12), unique=True)
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    #: A private address: school e-mail stops working over the summer.
    private_email: Mapped[str] = mapped_column(sa.String(254), default="")
    district_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("district.id"))
    school: Mapped[str] = mapped_column(sa.String(200), default="")
    school_year: Mapped[Optional[int]]
    #: Languages the youth speaks, as ISO 639-1 codes.
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: Lives in the municipality (a common eligibility rule).
    resident: Mapped[bool] = mapped_column(default=True)
    #: What the youth chose to share with providers (allergies, needs).
    shared_notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[Optional["User"]] = relationship(back_populates="youth_profile")
    district: Mapped[Optional[District]] = relationship()
    guardians: Mapped[list["Guardian"]] = relationship(
        back_populates="youth", cascade="all, delete-orphan")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @classmethod
    def name_text(cls) -> sa.ColumnElement[str]:
        """"First Last" in a query, for a search by part of a name (``ILIKE '%part%'``).
        The space is written into the SQL, not bound, so that PostgreSQL's trigram index
        on this very expression (``ix_youth_profile_name_text``) serves the search."""
        return cls.first_name.op("||")(sa.literal_column("' '")).op("||")(cls.last_name)

    @classmethod
    def name_contains(cls, query: str) -> sa.ColumnElement[bool] | None:
        """Every word of ``query`` (up to four) is part of the name, any case; ``None``
        for a query without a word. Served by the name's trigram index on PostgreSQL."""
        words = query.split()[:4]
        if not words:
            return None
        name = cls.name_text()
        return sa.and_(*(name.ilike(f"%{like_literal(word)}%", escape="\\") for word in words))

    @property
    def masked_personal_number(self) -> str:
        """Birth date only, e.g. ``20100514-****``: enough to tell two youths apart."""
        return f"{self.personal_number[:8]}-****"

    def age_on(self, day: date) -> int:
        had_birthday = (day.month, day.day) >= (self.date_of_birth.month, self.date_of_birth.day)
        return day.year - self.date_of_birth.year - (0 if had_birthday else 1)


#: A trigram index (pg_trgm) on the expression of ``YouthProfile.name_text``, so a search
#: by part of a name reads the index, not every youth. PostgreSQL only (SQLite scans);
#: not in the metadata, since Alembic cannot compare it (``models.base.EXPRESSION_INDEXES``).
NAME_TEXT_INDEX = ("CREATE INDEX ix_youth_profile_name_text ON youth_profile "
                   "USING gin ((first_name || ' ' || last_name) gin_trgm_ops)")
sa.event.listen(YouthProfile.__table__, "before_create", create_extensions)
sa.event.listen(YouthProfile.__table__, "after_create",
                sa.DDL(NAME_TEXT_INDEX).execute_if(dialect="postgresql"))


class Guardian(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    youth_id: Mapped[int] = mapped_column(sa.ForeignKey("youth_profile.id", ondelete="CASCADE"),
                                          index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    #: The language the platform writes to this guardian in (a code of ``LANGUAGES``),
    #: chosen by the youth on their profile or by the guardian on the consent page.
    #: ``None``: nobody chose one, so Swedish; a choice of Swedish is stored as ``None``
    #: too, so the column only ever says something when someone asked for another.
    language: Mapped[Optional[str]] = mapped_column(sa.String(5))

    youth: Mapped[YouthProfile] = relationship(back_populates="guardians")


class ConsentMethod(enum.Enum):
    EMAIL_LINK = "email_link"
    #: Through the e-mailed link, after the guardian entered a one-time code sent to
    #: their own e-mail address (``youth_app.consent.identity``).
    EMAIL_CODE = "email_code"
    PAPER = "paper"


class ConsentState(enum.Enum):
    """Where a place's guardian consent stands (``consent.services.state``); not stored."""

    GIVEN = "given"
    #: A guardian has been sent a link and has not answered yet.
    REQUESTED = "requested"
    #: No guardian with an e-mail address has been asked: paper consent is needed.
    MISSING = "missing"
    #: A guardian said no through their link: the place went back to the round.
    DECLINED = "declined"

    @property
    def given(self) -> bool:
        return self is ConsentState.GIVEN

    @property
    def missing(self) -> bool:
        """No guardian could be asked: the youth must add one or call the municipality."""
        return self is ConsentState.MISSING

    @property
    def declined(self) -> bool:
        return self is ConsentState.DECLINED


class GuardianConsent(db.Model):
    """A guardian's consent to a job place: a job contract with a minor needs it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("placement.id", ondelete="CASCADE"), index=True)
    guardian_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("guardian.id", ondelete="SET NULL"))
    token: Mapped[str] = mapped_column(sa.String(64), unique=True,
                                       default=lambda: secrets.token_urlsafe(32))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    given_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    #: The name the guardian typed to confirm, or that the administrator recorded.
    given_by_name: Mapped[str] = mapped_column(sa.String(200), default="")
    method: Mapped[Optional[ConsentMethod]] = mapped_column(enum_type(ConsentMethod))
    recorded_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    #: The guardian said no; the link then no longer works.
    declined_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    #: How the guardian's identity was checked (``IdentityCheck.method``) and when.
    identity_method: Mapped[Optional[str]] = mapped_column(sa.String(40))
    identity_checked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    #: The one-time code, only as a hash; when it was sent, when it stops working and
    #: how many wrong tries were made on it.
    code_hash: Mapped[Optional[str]] = mapped_column(sa.String(128))
    code_sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    code_expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    code_tries: Mapped[int] = mapped_column(default=0, server_default="0")

    guardian: Mapped[Optional["Guardian"]] = relationship()

    @property
    def answered(self) -> bool:
        """Consent was given or declined: the link no longer works."""
        return self.given_at is not None or self.declined_at is not None
