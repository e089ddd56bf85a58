"""Configuration from the environment.

Development and tests work with nothing set. In production (``YOUTH_APP_ENV=production``)
a missing secret or database stops the start instead of running insecurely.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


class ConfigError(RuntimeError):
    """A setting the application cannot run without is missing."""


def _development_secret() -> str:
    """A random key kept in ``instance/`` so sessions survive a restart of ``make run``."""
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the old driver; psycopg 3 is the one installed.
        return url.replace("postgres://", "postgresql+psycopg://", 1).replace(
            "postgresql://", "postgresql+psycopg://", 1)
    INSTANCE.mkdir(exist_ok=True)
    return f"sqlite:///{INSTANCE / 'youth_app.db'}"


def load_config(overrides: dict | None = None) -> dict:
    """Build the settings dictionary; ``overrides`` win (tests use them)."""
    production = os.environ.get("YOUTH_APP_ENV") == "production"
    secret = os.environ.get("SECRET_KEY")
    if production and not secret:
        raise ConfigError("SECRET_KEY must be set when YOUTH_APP_ENV=production")
    if production and not os.environ.get("DATABASE_URL"):
        raise ConfigError("DATABASE_URL must be set when YOUTH_APP_ENV=production")
    config = {
        "SECRET_KEY": secret or _development_secret(),
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        #: hide_parameters: error messages (and so logs) never carry the values of a query.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "PRODUCTION": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "LANGUAGES": ("sv", "en", "ar"),
        "MUNICIPALITY_NAME": os.environ.get("MUNICIPALITY_NAME", "Lysekils kommun"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "1") == "1",
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "ungdom@lysekil.example"),
        "CONTACT_EMAIL": os.environ.get("CONTACT_EMAIL", "ungdom@lysekil.example"),
        "REDIS_URL": os.environ.get("REDIS_URL"),
        #: Where the platform is reached, for links in e-mail sent outside a request.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        #: Failed logins for one e-mail address (or one IP) within the window before 429.
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_FAILURE_WINDOW": timedelta(minutes=15),
        "LOGIN_MAX_FAILURES_PER_IP": 30,
        "TOKEN_MAX_AGE": timedelta(hours=24),
    }
    config.update(overrides or {})
    return config
