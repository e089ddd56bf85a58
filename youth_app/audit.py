"""Writing the audit log, and keeping it append-only."""
from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db
from .models import AuditEvent


class AuditLogIsAppendOnly(RuntimeError):
    pass


def record(action: str, obj: Any = None, actor=None, **details) -> AuditEvent:
    """Add one audit row to the current transaction; the caller's commit keeps it."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    row = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        details=details,
        ip_address=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(row)
    return row


@event.listens_for(Session, "before_flush")
def _forbid_audit_changes(session: Session, _context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit events are never changed or deleted")
