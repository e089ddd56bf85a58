"""Error pages in the user's language that tell the user what to do and leak nothing."""
from __future__ import annotations

from flask import Flask, current_app, render_template
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from . import links, logs
from .extensions import db

HANDLED = (400, 403, 404, 405, 429, 500)


def render_error(error: HTTPException):
    code = error.code if error.code in HANDLED else 500
    return render_template(f"errors/{code}.html"), code


def handle_csrf(_error: CSRFError):
    return render_template("errors/400.html", csrf=True), 400


def handle_untrusted_host(_error: SecurityError):
    """A Host header that is not ours (TRUSTED_HOSTS): Flask builds no URLs for it, so
    the page's links are built for the public address instead."""
    if request_ctx.url_adapter is None:
        request_ctx.url_adapter = links.public_adapter()
    return render_template("errors/400.html"), 400


def handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return render_error(error)
    logs.exception(current_app.logger, "Unhandled error")
    db.session.rollback()
    return render_error(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(SecurityError, handle_untrusted_host)
    for code in HANDLED:
        app.register_error_handler(code, render_error)
    app.register_error_handler(Exception, handle_unexpected)
