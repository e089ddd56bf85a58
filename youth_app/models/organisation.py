"""Providers: associations, businesses and municipal departments."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, enum_type, utcnow

if TYPE_CHECKING:
    from .offer import Offer
    from .user import User


class OrganisationKind(enum.Enum):
    ASSOCIATION = "association"
    BUSINESS = "business"
    MUNICIPAL_DEPARTMENT = "municipal_department"


class Organisation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[OrganisationKind] = mapped_column(enum_type(OrganisationKind))
    #: Swedish organisationsnummer, compact (10 digits), validated with python-stdnum.
    org_number: Mapped[str] = mapped_column(sa.String(10), unique=True)
    contact_name: Mapped[str] = mapped_column(sa.String(200))
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    terms_accepted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    #: Who approved it is in the audit log (``organisation.approved``).
    approved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    users: Mapped[list["User"]] = relationship(
        back_populates="organisation", foreign_keys="User.organisation_id")
    offers: Mapped[list["Offer"]] = relationship(back_populates="organisation")

    @property
    def approved(self) -> bool:
        return self.approved_at is not None
