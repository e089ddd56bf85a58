"""The second factor for staff: a time-based one-time code (TOTP, RFC 6238).

Caseworkers and administrators reach confidential data, so a password is not enough.
A staff account without a secret gets one at its first login, shown as a QR code and
as text for any authenticator app; from then on every login asks for the code.
"""
from __future__ import annotations

import base64

import pyotp
import segno
from flask import current_app

from .. import audit, security
from ..models import LoginSession, User, utcnow

ISSUER = "Sommarjobb"


def needed(login: LoginSession) -> bool:
    return login.user.role.is_staff and login.second_factor_at is None


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
    return f"totp:{user.email}"


def verify(login: LoginSession, code: str, secret: str | None = None) -> bool:
    """Check a code (one step of clock drift allowed). ``secret`` is given while setting
    up; it is stored on the account once a code from it has worked."""
    user = login.user
    secret = secret or user.totp_secret
    if not secret or security.login_throttled(_key(user)):
        return False
    if not pyotp.TOTP(secret).verify(code.replace(" ", ""), valid_window=1):
        security.record_failed_login(_key(user))
        audit.record("auth.second_factor_failed", user, actor=user)
        return False
    user.totp_secret = secret
    login.second_factor_at = utcnow()
    security.clear_failed_logins(_key(user))
    audit.record("auth.second_factor", user, actor=user)
    return True


def throttled(user: User) -> bool:
    return security.login_throttled(_key(user))
