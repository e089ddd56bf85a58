"""Checking that the person on the consent page is the guardian, before consent counts.

Design: a small interface, ``IdentityCheck``, with a ``method`` name (stored on the
consent as ``identity_method``), ``start(consent)`` (begin a check: send a code, or
later redirect to a provider) and ``verify(consent, answer)`` (settle it, in the
database, so two tabs cannot both win). Today there is one implementation:
``EmailCodeCheck`` sends a 6-digit code (``secrets``) to the guardian's own e-mail
address, keeps only its hash, lets it work for ``CODE_LIFETIME`` and ``MAX_TRIES``
wrong tries, and throttles resending (``RESEND_AFTER``). An SMS code would be the same
class with another channel and method name ("sms_code") once an SMS gateway exists.

Later, e-legitimation (BankID or Freja eID through the municipality's identity broker,
OpenID Connect) replaces it with an ``OidcCheck``: ``method = "e_id"``; ``start``
stores a state/nonce on the consent and returns the broker's authorisation URL;
the callback route calls ``verify`` with the authorisation code, which exchanges it,
checks the ID token (issuer, audience, nonce, expiry) and that the personal number
is the guardian's, and marks the consent checked with the same conditional update.
Nothing else (the consent page, the services) needs to change. Not built here.
"""
from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Protocol

from flask import current_app

from ..extensions import db
from ..models import GuardianConsent, transition, utcnow

CODE_LIFETIME = timedelta(minutes=15)
MAX_TRIES = 5
RESEND_AFTER = timedelta(seconds=60)


class Outcome(enum.Enum):
    CHECKED = "checked"
    WRONG = "wrong"
    EXPIRED = "expired"
    TOO_MANY_TRIES = "too_many_tries"
    NO_CODE = "no_code"


class IdentityCheck(Protocol):
    method: str

    def start(self, consent: GuardianConsent, now: datetime | None = None) -> str | None:
        """Begin a check; return the code to send (or a URL to go to), None if throttled."""

    def verify(self, consent: GuardianConsent, answer: str,
               now: datetime | None = None) -> Outcome:
        """Settle the check; ``Outcome.CHECKED`` for exactly one caller."""


def _hash(code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


class EmailCodeCheck:
    method = "email_code"

    def start(self, consent: GuardianConsent, now: datetime | None = None) -> str | None:
        now = now or utcnow()
        code = f"{secrets.randbelow(10 ** 6):06d}"
        sent_long_ago = (GuardianConsent.code_sent_at.is_(None)
                         | (GuardianConsent.code_sent_at <= now - RESEND_AFTER))
        if not transition(consent, GuardianConsent.identity_checked_at.is_(None), sent_long_ago,
                          code_hash=_hash(code), code_sent_at=now,
                          code_expires_at=now + CODE_LIFETIME, code_tries=0):
            return None
        return code

    def verify(self, consent: GuardianConsent, answer: str,
               now: datetime | None = None) -> Outcome:
        now = now or utcnow()
        answer = "".join((answer or "").split())
        if consent.code_hash is None:
            return Outcome.NO_CODE
        if consent.code_tries >= MAX_TRIES:
            return Outcome.TOO_MANY_TRIES
        if consent.code_expires_at is None or consent.code_expires_at < now:
            return Outcome.EXPIRED
        if not (answer.isascii() and answer.isdigit()
                and hmac.compare_digest(_hash(answer), consent.code_hash)):
            # Counted in the database: two wrong tries at once are two tries.
            transition(consent, GuardianConsent.code_hash.is_not(None),
                       GuardianConsent.code_tries < MAX_TRIES,
                       code_tries=GuardianConsent.code_tries + 1)
            db.session.refresh(consent)
            return Outcome.TOO_MANY_TRIES if consent.code_tries >= MAX_TRIES else Outcome.WRONG
        # The code is used up by the one request that wins this update.
        if transition(consent, GuardianConsent.code_hash == consent.code_hash,
                      GuardianConsent.code_tries < MAX_TRIES,
                      GuardianConsent.code_expires_at >= now,
                      code_hash=None, identity_method=self.method, identity_checked_at=now):
            return Outcome.CHECKED
        return Outcome.NO_CODE


CHECK: IdentityCheck = EmailCodeCheck()
