"""Retry a unit of work that lost a race for the database.

SQLite lets one writer in at a time: a transaction that read before another committed
fails with "database is locked" (or a stale snapshot) when it tries to write. PostgreSQL
reports serialisation failures and deadlocks the same way. Each is safe to run again
from the start, after a rollback.

A request is retried as a whole by ``youth_app.unit_of_work``; ``run_and_commit`` is
for work outside a request (the allocation worker, ``flask`` commands).
"""
from __future__ import annotations

import random
import time
from typing import Callable, TypeVar

import sqlalchemy as sa

from .extensions import db

T = TypeVar("T")
RETRYABLE = ("database is locked", "database table is locked", "could not serialize",
             "deadlock detected")


def retryable(error: sa.exc.OperationalError) -> bool:
    """Whether the database gave up on this transaction only because it lost a race."""
    text = str(error.orig).lower()
    return any(marker in text for marker in RETRYABLE)


def back_off(attempt: int) -> None:
    """A short random wait before attempt ``attempt + 1``, longer after each loss, so
    two losers do not meet again at once."""
    time.sleep(random.uniform(0.005, 0.05) * (attempt + 1))


def run_and_commit(work: Callable[[], T], attempts: int = 20) -> T:
    """Run ``work`` and commit; on a lost race, roll back and run it again."""
    for attempt in range(attempts):
        try:
            result = work()
            db.session.commit()
            return result
        except sa.exc.OperationalError as error:
            db.session.rollback()
            if not retryable(error) or attempt == attempts - 1:
                raise
            back_off(attempt)
    raise AssertionError("unreachable")


def violated(error: sa.exc.IntegrityError) -> str:
    """What a unique or foreign-key violation was about, as ``table.column`` text to
    match against: PostgreSQL names the constraint, SQLite the columns."""
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return name or str(error.orig)
