"""E-mail the platform sends, kept whether or not an SMTP server is configured."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, enum_type, utcnow


class MessageStatus(enum.Enum):
    #: Written in the transaction that decided to send it; delivered after its commit.
    PENDING = "pending"
    #: A deliverer has claimed it (one deliverer per message, settled by the database).
    SENDING = "sending"
    SENT = "sent"
    #: Gave up after the last attempt, or a deliverer died mid-send: staff see it.
    FAILED = "failed"
    #: No mail server is configured (``make run``): kept, shown on My page, not sent.
    KEPT = "kept"


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
    status: Mapped[MessageStatus] = mapped_column(
        enum_type(MessageStatus), default=MessageStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    #: When a pending message is next due (retries back off); claimed-at while sending.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Set when the SMTP server accepted it; stays empty when no server is configured.
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    error: Mapped[str] = mapped_column(sa.Text, default="")
    #: The background job that wrote it (publishing counts its e-mails by this).
    job_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("background_job.id", ondelete="SET NULL"), index=True)
