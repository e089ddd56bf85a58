"""What the logs may hold: no personal data, no secrets, no links with tokens.

The application's own log lines name messages, runs and objects by id and kind only.
Access logs (werkzeug's in ``make run``, gunicorn's when it is switched on) print the
request line, which for an e-mailed link carries its token: those are cut out here.
"""
from __future__ import annotations

import logging
import re
import secrets
import sys
import traceback

TOKEN_PATH = re.compile(r"(/(?:password/reset|confirm|consent)/)[^/?\s\"]+")
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


def redact(value):
    return TOKEN_PATH.sub(r"\1[token]", value) if isinstance(value, str) else value


class TokenFilter(logging.Filter):
    """Replaces the token of ``/password/reset/<token>``, ``/confirm/<token>`` and
    ``/consent/<token>`` with ``[token]`` in a record's text, once it is formatted (so a
    token split between the format and its arguments is found too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


class RequestFields(logging.Filter):
    """Adds the request's id (``X-Request-ID`` from the proxy, or one drawn here) and
    the endpoint, so one request's lines can be found together; no address, no user."""

    def filter(self, record: logging.LogRecord) -> bool:
        from flask import g, has_request_context, request

        if has_request_context():
            if "request_id" not in g:
                given = request.headers.get("X-Request-ID", "")
                g.request_id = given[:64] if REQUEST_ID.fullmatch(given) else \
                    secrets.token_hex(8)
            record.request_id = g.request_id
            record.endpoint = request.endpoint
        return True


REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def use_json(logger: logging.Logger) -> None:
    """One JSON object a line on standard error (``LOG_FORMAT=json``): time, level,
    logger, message, and the request's id and endpoint where there is a request."""
    from pythonjsonlogger.json import JsonFormatter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(
        "{asctime}{levelname}{name}{message}", style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    handler.addFilter(TokenFilter())
    handler.addFilter(RequestFields())
    logger.handlers = [handler]


def redact_tokens_in_access_logs() -> None:
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenFilter) for f in logger.filters):
            logger.addFilter(TokenFilter())


def describe(error: BaseException) -> str:
    """An exception for the log without its message: messages of database errors quote
    the values of the row (PostgreSQL's "Key (personal_number)=(...) already exists").
    The chain of exception types, where it happened, and for a database error its
    SQLSTATE and the constraint it broke (names of the schema, not data)."""
    lines = []
    current: BaseException | None = error
    while current is not None:
        error = current
        origin = getattr(error, "orig", None)
        diag = getattr(origin, "diag", None)
        extra = "".join(f" {name}={getattr(diag, name)}" for name in
                        ("sqlstate", "constraint_name", "table_name", "column_name")
                        if diag is not None and getattr(diag, name, None))
        lines.append(f"{type(error).__module__}.{type(error).__qualname__}{extra}")
        lines.extend(line.rstrip() for line in traceback.format_tb(error.__traceback__))
        current = error.__cause__ or error.__context__
    return "\n".join(lines)


def exception(logger: logging.Logger, message: str, *args) -> None:
    """``logger.exception`` without the exception's message (see ``describe``)."""
    error = sys.exc_info()[1]
    logger.error(message + "\n%s", *args, describe(error) if error else "")
