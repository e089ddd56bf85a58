"""Error pages in the user's language that tell the user what to do and leak nothing.

When the database cannot be reached, every request answers 503 with the product's own
page. That page must not reach for the database itself: ``base.html`` shows the
signed-in user's menu and the locale selector reads the user's language, both through
Flask-Login's user loader. So the 503 page is rendered as for a visitor who is not
signed in (the session cookie is left alone: the user is still signed in once the
database is back), in the language of the session or the browser.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, render_template, request
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from . import links, logs
from .extensions import db, login_manager
from .untrusted import ZeroByte

#: Status codes with a page of their own; other 4xx use the 400 page, 5xx the 500 page.
PAGES = (400, 403, 404, 405, 429, 500, 503)

#: The database is down, unreachable, restarting or out of connections: try again later.
DATABASE_UNAVAILABLE = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError,
                        sa.exc.DisconnectionError)

#: Seconds a client is asked to wait before trying again.
RETRY_AFTER = 120


def _page(code: int, status: int | None = None, **context):
    """Render ``errors/<code>.html``; should that reach an unreachable database (the
    signed-in user's menu), the 503 page instead."""
    try:
        return render_template(f"errors/{code}.html", **context), status or code
    except DATABASE_UNAVAILABLE as error:
        return handle_database_unavailable(error)


def render_error(error: HTTPException):
    status = error.code or 500
    code = status if status in PAGES else (400 if status < 500 else 500)
    return _page(code, status, zero_byte=isinstance(error, ZeroByte))


def handle_csrf(_error: CSRFError):
    return _page(400, csrf=True)


def handle_database_unavailable(error: Exception):
    current_app.logger.error("Database unavailable\n%s", logs.describe(error))
    _roll_back()
    # As a visitor: the user loader would reach for the database again.
    login_manager._update_request_context_with_user()
    return render_template("errors/503.html"), 503, {"Retry-After": str(RETRY_AFTER)}


def handle_untrusted_host(_error: SecurityError):
    """A Host header that is not ours (TRUSTED_HOSTS): Flask builds no URLs for it, so
    the page's links are built for the public address instead."""
    if request_ctx.url_adapter is None:
        request_ctx.url_adapter = links.public_adapter()
    return render_template("errors/400.html"), 400


def handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return render_error(error)
    log_unexpected(error)
    _roll_back()
    return render_error(InternalServerError())


def _roll_back() -> None:
    """Forget the failed unit of work; with the database gone, even that may fail."""
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        db.session().invalidate()  # the scoped session does not pass invalidate() on


def log_unexpected(error: Exception) -> None:
    """The error's kind, the route (its pattern, not the path: paths carry tokens) and
    where in the code it happened (``logs.describe``: never the message)."""
    rule = request.url_rule.rule if request.url_rule else "-"
    current_app.logger.error("Unhandled error in %s %s\n%s", request.method, rule,
                             logs.describe(error))


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(SecurityError, handle_untrusted_host)
    for code in PAGES:
        if code != 503:
            app.register_error_handler(code, render_error)
    for kind in DATABASE_UNAVAILABLE:
        app.register_error_handler(kind, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
