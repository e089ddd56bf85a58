"""The youth summer-job and leisure platform: ``create_app`` builds the Flask app."""
from __future__ import annotations

import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import access, facts, i18n, logs, paging, security, shedding, unit_of_work, untrusted
from . import sqlite  # noqa: F401  (imported for its engine events)
from .config import ROOT, load_config
from .extensions import babel, csrf, db, login_manager, migrate


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_path=str(ROOT / "instance"))
    app.config.update(load_config(config))
    configure_logging(app)
    configure_proxies(app)
    register_extensions(app)
    untrusted.init_app(app)  # before the blueprints: their <int:...> use its converter
    register_blueprints(app)
    unit_of_work.init_app(app)  # after the blueprints: every view commits through it
    register_hooks(app)
    register_errorhandlers(app)
    register_cli(app)
    return app


def configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        app.logger.setLevel(logging.INFO)
    if app.config["LOG_FORMAT"] == "json":
        logs.use_json(app.logger)
    logs.redact_tokens_in_access_logs()


def configure_proxies(app: Flask) -> None:
    """Behind a reverse proxy, trust its X-Forwarded-For/-Proto for as many hops as
    configured (the client's address then feeds the login throttle), nothing else."""
    x_for, x_proto = app.config["PROXY_X_FOR"], app.config["PROXY_X_PROTO"]
    if x_for or x_proto:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way to wrap it
            app.wsgi_app, x_for=x_for, x_proto=x_proto, x_host=0, x_port=0, x_prefix=0)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     compare_type=True, render_item=render_migration_item)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.install_template_gettext(app)
    login_manager.init_app(app)
    from .auth.sessions import init_login_manager

    init_login_manager(login_manager)


def render_migration_item(type_, obj, autogen_context):
    """Write our column types as plain SQLAlchemy types, so migrations import nothing
    of the app (a migration must keep working after the app's code moves on)."""
    from .models.base import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def register_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .caseworker import bp as caseworker_bp
    from .catalogue import bp as catalogue_bp
    from .consent import bp as consent_bp
    from .health import bp as health_bp
    from .main import bp as main_bp
    from .provider import bp as provider_bp
    from .reports import bp as reports_bp
    from .rounds import bp as rounds_bp
    from .youth import bp as youth_bp

    for blueprint in (main_bp, auth_bp, catalogue_bp, consent_bp, youth_bp, provider_bp,
                      caseworker_bp, admin_bp, rounds_bp, reports_bp, health_bp):
        app.register_blueprint(blueprint)


def register_hooks(app: Flask) -> None:
    from . import labels

    shedding.init_app(app)  # first: a request shed costs no database query
    app.before_request(access.check_access)
    app.context_processor(i18n.template_context)
    app.add_template_filter(i18n.weeks_label, "weeks")
    app.add_template_filter(i18n.moment, "moment")
    app.add_template_filter(i18n.deadline, "deadline")
    app.add_template_filter(i18n.decimal, "decimal")
    app.add_template_filter(i18n.native_digits, "digits")
    app.add_template_global(access.home_endpoint)
    labels.init_app(app)
    paging.init_app(app)
    security.init_app(app)
    # The numbers the texts name are the numbers the rules use (``youth_app.facts``).
    app.jinja_env.globals.update(ADULT_AGE=facts.ADULT_AGE, SMALL=facts.SMALL,
                                 MAX_HOURS_PER_DAY=facts.MAX_HOURS_PER_DAY)


def register_errorhandlers(app: Flask) -> None:
    from .errors import init_app

    init_app(app)


def register_cli(app: Flask) -> None:
    from .cli import init_app

    init_app(app)
