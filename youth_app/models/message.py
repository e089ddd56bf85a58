"""E-mail the platform sends, kept whether or not an SMTP server is configured."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class OutgoingMessage(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    #: What kind of message, e.g. ``auth.confirm_email``, so pages can list them.
    kind: Mapped[str] = mapped_column(sa.String(50))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Set when the SMTP server accepted it; stays empty when no server is configured.
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    error: Mapped[str] = mapped_column(sa.Text, default="")
