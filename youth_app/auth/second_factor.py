"""The second factor for staff: a time-based one-time code (TOTP, RFC 6238).

Caseworkers and administrators reach confidential data, so a password is not enough.
A staff account without a secret gets one at its first login, shown as a QR code and
as text for any authenticator app; from then on every login asks for the code.
"""
from __future__ import annotations

import base64
import hmac
import time
from datetime import datetime, timedelta
from typing import Any, cast

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app

from .. import audit, security
from ..extensions import db
from ..models import LoginSession, User, utcnow

ISSUER = "Sommarjobb"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    issuer = f"{current_app.config['MUNICIPALITY_NAME']} {ISSUER}"
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """An SVG QR code as a data: URI (allowed by the CSP, fetched from nowhere)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _key(user: User) -> str:
    """Wrong codes are counted like wrong passwords (``security.login_wait``), under
    this name: per account from one address, and per account from everywhere."""
    return f"totp:{user.email}"


def verify(login: LoginSession, code: str, secret: str | None = None) -> bool:
    """Check a code (one step of clock drift allowed; each code works once). ``secret`` is
    given while setting up; it is stored on the account once a code from it has worked.
    Nothing is checked while ``wait`` says to wait."""
    user = login.user
    secret = secret or user.totp_secret
    if not secret or wait(user) is not None:
        return False
    step = _matching_step(secret, code.replace(" ", ""))
    if step is None or not _use_step(user, secret, step):
        security.record_failed_login(_key(user))
        audit.record("auth.second_factor_failed", user, actor=user)
        return False
    login.second_factor_at = utcnow()
    security.clear_failed_logins(_key(user))
    audit.record("auth.second_factor", user, actor=user)
    return True


def _use_step(user: User, secret: str, step: int) -> bool:
    """Keep ``step`` as the last code used, unless it or a later one was used already.

    One conditional UPDATE, so that two requests racing with the same code cannot
    both win: the database lets only the first change the row."""
    result = cast("sa.CursorResult[Any]", db.session.execute(  # an UPDATE: it has a rowcount
        sa.update(User)
        .where(User.id == user.id,
               sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_secret=secret, totp_last_step=step)
        .execution_options(synchronize_session="fetch")))
    return result.rowcount == 1


def _matching_step(secret: str, code: str) -> int | None:
    """The time step (now, or one either side for clock drift) whose code this is."""
    totp = pyotp.TOTP(secret)
    now = time.time()
    for offset in (0, -1, 1):
        step = totp.timecode(datetime.fromtimestamp(now + offset * totp.interval))
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def wait(user: User) -> timedelta | None:
    """How long before another code is checked for ``user`` from this address. No
    known-device exemption: whoever is asked for the code already knows the password."""
    return security.login_wait(_key(user))
