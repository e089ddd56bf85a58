"""Passwords, local redirects, login throttling, login sessions and response headers."""
from __future__ import annotations

import functools
import hashlib
import hmac
import math
import secrets
import unicodedata
from datetime import datetime, timedelta
from urllib.parse import unquote, urlsplit, urlunsplit

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.urls import iri_to_uri

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


@functools.cache
def _decoy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def check_password(user: User | None, password: str) -> bool:
    """True when ``password`` is the user's; upgrades an outdated hash on the way. For no
    user, a hash is checked all the same, so that an unknown address takes as long as a
    wrong password and timing tells nobody which addresses have accounts."""
    if user is None:
        try:
            _hasher.verify(_decoy_hash(), password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def local_target(target: str | None) -> str | None:
    """``target`` as a path on this site, normalised and ASCII, else ``None``.

    The one check for every user-supplied redirect (``next``), so none is an open
    redirect. Django's ``url_has_allowed_host_and_scheme`` is the model, made stricter
    because only paths are wanted here. A browser removes tab, CR and LF anywhere and
    C0 controls and spaces at either end before it parses a URL (WHATWG URL), which is
    how ``/\\t/evil.example`` becomes ``//evil.example``, another host; so any control,
    format or space character refuses the target (CR/LF must never reach a header
    either). Backslashes (read as ``/``), a scheme or a host refuse it too, and so does
    a path that starts with two slashes in any reading of it: dot segments removed,
    percent-encoding undone, Unicode compatibility forms folded."""
    if not target or not _local_path(target):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or not all(map(_local_path, _readings(parts.path))):
        return None
    path = _remove_dot_segments(parts.path)
    return iri_to_uri(urlunsplit(("", "", path, parts.query, parts.fragment)))


def _unsafe_in_url(character: str) -> bool:
    """Controls (C0, DEL, C1), format characters (zero-width, bidi) and every kind of
    space: browsers drop some of them silently, and no path of ours has any."""
    return unicodedata.category(character)[0] in "CZ"


def _readings(path: str):
    """``path`` as a browser, a layer that decodes it once more, or one that folds
    Unicode compatibility forms (fullwidth ``／``) might read it."""
    for _ in range(3):
        yield _remove_dot_segments(path)
        yield _remove_dot_segments(unicodedata.normalize("NFKC", path))
        decoded = unquote(path)
        if decoded == path:
            return
        path = decoded


def _local_path(path: str) -> bool:
    """One slash, then no backslash and nothing a browser would drop or misread."""
    return (path.startswith("/") and not path.startswith("//") and "\\" not in path
            and not any(_unsafe_in_url(c) for c in path))


def _remove_dot_segments(path: str) -> str:
    """RFC 3986, section 5.2.4: what a browser makes of ``.`` and ``..`` in an absolute
    path (``/.//evil`` is ``//evil``); the trailing slash is kept."""
    segments = path.split("/")[1:]
    kept: list[str] = []
    for segment in segments:
        if segment == "..":
            if kept:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    if segments and segments[-1] in (".", ".."):
        kept.append("")
    return "/" + "/".join(kept)


def client_ip() -> str:
    return request.remote_addr or ""


# Login throttling. Failed attempts are counted for one account from one address, and
# for one account from everywhere, never for one address alone: a school behind one
# NAT shares an address, and one pupil's typos must not lock out the others. Past a
# threshold each further failure doubles the wait (backoff), up to a cap, and nothing
# is checked while the wait lasts. A browser that logged in to the account before
# (``KNOWN_DEVICE_COOKIE``) is spared the account-wide wait, so a guesser with many
# addresses cannot lock a youth out of their own phone.

#: The signed, long-lived cookie of a browser that logged in to an account before
#: (OWASP's "device cookies").
KNOWN_DEVICE_COOKIE = "known_device"
_KNOWN_DEVICE_SALT = "known-device"


def _account(email: str) -> str:
    return email.strip().lower()


def login_wait(email: str, known_device: bool = False) -> timedelta | None:
    """How long before a login to ``email`` from this address is checked, or ``None``."""
    config = current_app.config
    account = _account(email)
    waits = [_wait(account, client_ip(), config["LOGIN_MAX_FAILURES"])]
    if not known_device:
        waits.append(_wait(account, None, config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]))
    return max((wait for wait in waits if wait is not None), default=None)


def _wait(account: str, address: str | None, threshold: int) -> timedelta | None:
    """The wait left after the failures within the window (from ``address``, or from
    anywhere): none below ``threshold``, then the first backoff, doubled per failure."""
    config = current_app.config
    now = utcnow()
    query = (sa.select(sa.func.count(LoginAttempt.id), sa.func.max(LoginAttempt.at))
             .where(LoginAttempt.email == account,
                    LoginAttempt.at >= now - config["LOGIN_FAILURE_WINDOW"]))
    if address is not None:
        query = query.where(LoginAttempt.ip_address == address)
    failures, last = db.session.execute(query).one()
    if failures < threshold:
        return None
    doublings = min(failures - threshold, 16)  # 2**16 minutes is past any cap
    backoff = min(config["LOGIN_BACKOFF_FIRST"] * 2 ** doublings, config["LOGIN_BACKOFF_MAX"])
    left = last + backoff - now
    return left if left > timedelta(0) else None


def wait_minutes(wait: timedelta) -> int:
    """A wait as the whole minutes a person is told (rounded up, at least one)."""
    return max(1, math.ceil(wait.total_seconds() / 60))


def record_failed_login(email: str) -> None:
    """Count a failure now (flushed, so its time is before any wait computed after it)."""
    db.session.add(LoginAttempt(email=_account(email), ip_address=client_ip()))
    db.session.flush()


def clear_failed_logins(email: str) -> None:
    """After a right password: this address's failures for the account are forgiven.
    Failures from elsewhere still count, so the account-wide limit keeps working while
    its owner logs in between a guesser's attempts."""
    db.session.execute(sa.delete(LoginAttempt).where(
        LoginAttempt.email == _account(email), LoginAttempt.ip_address == client_ip()))


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_KNOWN_DEVICE_SALT)


def _password_fingerprint(user: User) -> str:
    """Changes with the password, so a new password ends every known device."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def remember_device(response: Response, user: User) -> Response:
    """Mark this browser as one that has logged in to ``user`` (HttpOnly, signed)."""
    lifetime = current_app.config["KNOWN_DEVICE_LIFETIME"]
    response.set_cookie(
        KNOWN_DEVICE_COOKIE, _device_serializer().dumps([user.id, _password_fingerprint(user)]),
        max_age=int(lifetime.total_seconds()), httponly=True, samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def is_known_device(user: User | None) -> bool:
    """The browser holds a valid known-device cookie for ``user``, whose password has
    not changed since."""
    value = request.cookies.get(KNOWN_DEVICE_COOKIE)
    if user is None or not value:
        return False
    max_age = current_app.config["KNOWN_DEVICE_LIFETIME"].total_seconds()
    try:
        user_id, fingerprint = _device_serializer().loads(value, max_age=max_age)
    except (BadSignature, TypeError, ValueError):
        return False
    return user_id == user.id and hmac.compare_digest(str(fingerprint),
                                                      _password_fingerprint(user))


def start_login_session(user: User) -> LoginSession:
    login = LoginSession(user=user)
    db.session.add(login)
    user.last_login_at = utcnow()
    db.session.flush()
    return login


def find_login_session(token: str) -> LoginSession | None:
    # One query for what every signed-in request needs: the login, its user and (for a
    # youth) the profile; loaded one by one they were three round trips per request.
    login = db.session.scalar(sa.select(LoginSession).where(LoginSession.token == token)
                              .options(joinedload(LoginSession.user)
                                       .joinedload(User.youth_profile)))
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
