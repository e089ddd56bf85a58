"""Passwords, login sessions, throttling and response headers."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app, request

from .extensions import db
from .models import LoginAttempt, LoginSession, User, utcnow

#: argon2id at OWASP's minimum: 19 MiB of memory, 2 iterations, 1 lane.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    """True when ``password`` is the user's; upgrades an outdated hash on the way."""
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def local_target(target: str) -> str | None:
    """``target`` if it is a path on this site, else ``None`` (no open redirects)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def client_ip() -> str:
    return request.remote_addr or ""


def login_throttled(email: str) -> bool:
    """Too many recent failures for this address, or from this IP."""
    since = utcnow() - current_app.config["LOGIN_FAILURE_WINDOW"]
    count = sa.select(sa.func.count(LoginAttempt.id)).where(LoginAttempt.at >= since)
    by_email = db.session.scalar(count.where(LoginAttempt.email == email.lower()))
    by_ip = db.session.scalar(count.where(LoginAttempt.ip_address == client_ip()))
    return (by_email >= current_app.config["LOGIN_MAX_FAILURES"]
            or by_ip >= current_app.config["LOGIN_MAX_FAILURES_PER_IP"])


def record_failed_login(email: str) -> None:
    db.session.add(LoginAttempt(email=email.lower(), ip_address=client_ip()))


def clear_failed_logins(email: str) -> None:
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.email == email.lower()))


def start_login_session(user: User) -> LoginSession:
    login = LoginSession(user=user)
    db.session.add(login)
    user.last_login_at = utcnow()
    db.session.flush()
    return login


def find_login_session(token: str) -> LoginSession | None:
    login = db.session.scalar(sa.select(LoginSession).where(LoginSession.token == token))
    if login is None or login.revoked_at is not None or not login.user.active:
        return None
    if login.created_at + current_app.config["PERMANENT_SESSION_LIFETIME"] < utcnow():
        return None
    return login


def revoke_login_session(token: str, when: datetime | None = None) -> None:
    db.session.execute(
        sa.update(LoginSession).where(LoginSession.token == token)
        .values(revoked_at=when or utcnow()))


def revoke_all_sessions(user: User) -> None:
    """Used when the password changes: every device must log in again."""
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow()))


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config["PRODUCTION"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static":
        headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)
