from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, jsonify

from ..extensions import db
from . import bp

OK, UNREACHABLE, NOT_USED = "ok", "unreachable", "not used"


@bp.get("/healthz")
def alive():
    return _answer({"status": OK}, 200)


@bp.get("/readyz")
def ready():
    checks = {"database": _database(), "redis": _redis()}
    ready_ = all(state in (OK, NOT_USED) for state in checks.values())
    return _answer({"status": OK if ready_ else UNREACHABLE, "checks": checks},
                   200 if ready_ else 503)


def _answer(body: dict, status: int):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _database() -> str:
    try:  # a connection of its own: the request's session stays untouched
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return UNREACHABLE
    return OK


def _redis() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return NOT_USED
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        with Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1) as redis:
            redis.ping()
    except (RedisError, OSError):
        return UNREACHABLE
    return OK
