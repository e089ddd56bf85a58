"""Configuration from the environment.

Development and tests work with nothing set. In production (``YOUTH_APP_ENV=production``)
a missing secret or database stops the start instead of running insecurely.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

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


def _public_url(production: bool) -> str:
    """Where people reach the platform; every link in an e-mail starts with it."""
    url = os.environ.get("PUBLIC_URL", "")
    if production and not url:
        raise ConfigError("PUBLIC_URL must be set when YOUTH_APP_ENV=production "
                          "(e.g. https://sommarjobb.lysekil.se)")
    url = url or "http://127.0.0.1:5000"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ConfigError(f"PUBLIC_URL must be an http(s) address without a query: {url!r}")
    if production and parts.scheme != "https":
        raise ConfigError("PUBLIC_URL must start with https:// in production")
    return url.rstrip("/")


def _trusted_hosts(public_url: str, production: bool) -> list[str]:
    """The host names a request may carry: PUBLIC_URL's, and any in TRUSTED_HOSTS
    (comma-separated). Others get 400, so no page or link is built for a forged host."""
    hosts = [host for host in [urlsplit(public_url).hostname] if host]
    hosts += [h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h.strip()]
    if not production:
        hosts += ["127.0.0.1", "localhost"]
    return list(dict.fromkeys(hosts))


def _proxy_hops(name: str) -> int:
    """How many reverse proxies in front set this X-Forwarded-* header (0: none)."""
    value = os.environ.get(name, "0")
    if not value.isascii() or not value.isdigit():
        raise ConfigError(f"{name} must be a whole number of proxies, not {value!r}")
    return int(value)


def load_config(overrides: dict | None = None) -> dict:
    """Build the settings dictionary; ``overrides`` win (tests use them)."""
    production = os.environ.get("YOUTH_APP_ENV") == "production"
    secret = os.environ.get("SECRET_KEY")
    if production and not secret:
        raise ConfigError("SECRET_KEY must be set when YOUTH_APP_ENV=production")
    if production and not os.environ.get("DATABASE_URL"):
        raise ConfigError("DATABASE_URL must be set when YOUTH_APP_ENV=production")
    public_url = _public_url(production)
    config = {
        "SECRET_KEY": secret or _development_secret(),
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        # hide_parameters: a failed statement's error (and so the log) never carries
        # the values it held (personnummer, password hashes ...).
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
        #: The languages offered, in the menu's order (names: ``i18n.LANGUAGE_NAMES``).
        "LANGUAGES": ("sv", "sv@ll", "en", "ar", "fa", "so", "ti", "uk"),
        "MUNICIPALITY_NAME": os.environ.get("MUNICIPALITY_NAME", "Lysekils kommun"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "1") == "1",
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "ungdom@lysekil.example"),
        "CONTACT_EMAIL": os.environ.get("CONTACT_EMAIL", "ungdom@lysekil.example"),
        #: Who answers questions about summer jobs and activities (help page, footer).
        "CONTACT_PHONE": os.environ.get("CONTACT_PHONE", "0523-61 30 00"),
        #: The data controller named in the privacy notice: the board that decides.
        "CONTROLLER": os.environ.get("CONTROLLER", "Kommunstyrelsen i Lysekils kommun"),
        #: The data protection officer's address (privacy notice).
        "DPO_EMAIL": os.environ.get("DPO_EMAIL", "dataskyddsombud@lysekil.example"),
        #: ``inline`` (after the commit, in the same thread), ``background`` (a thread,
        #: or RQ when REDIS_URL is set); unset: inline in tests, background otherwise.
        "MAIL_DELIVERY": os.environ.get("MAIL_DELIVERY"),
        #: Messages a minute one delivering process sends at most (0: no limit).
        "MAIL_RATE_PER_MINUTE": int(os.environ.get("MAIL_RATE_PER_MINUTE", "0")),
        #: Seconds after which a message a deliverer claimed but never finished is sent
        #: again (the deliverer died); see ``youth_app.mail``.
        "MAIL_STUCK_AFTER": int(os.environ.get("MAIL_STUCK_AFTER", "900")),
        "REDIS_URL": os.environ.get("REDIS_URL"),
        #: Where the platform is reached: every external link is built from it, never
        #: from the request's Host header.
        "PUBLIC_URL": public_url,
        "TRUSTED_HOSTS": _trusted_hosts(public_url, production),
        #: Reverse proxies in front (werkzeug's ProxyFix): X-Forwarded-For / -Proto.
        "PROXY_X_FOR": _proxy_hops("PROXY_X_FOR"),
        "PROXY_X_PROTO": _proxy_hops("PROXY_X_PROTO"),
        #: Load shedding (``youth_app.shedding``): a request that waited longer than this
        #: many seconds for a worker is answered 503 at once (0: never), asking the
        #: client to come back after ``WEB_RETRY_AFTER`` seconds.
        "WEB_MAX_QUEUE_WAIT": float(os.environ.get("WEB_MAX_QUEUE_WAIT", "2")),
        "WEB_RETRY_AFTER": int(os.environ.get("WEB_RETRY_AFTER", "30")),
        #: A running allocation whose worker sends no heartbeat for this long has died.
        "RUN_STALE_AFTER": timedelta(seconds=int(os.environ.get("RUN_STALE_AFTER", "120"))),
        "RUN_HEARTBEAT_EVERY": float(os.environ.get("RUN_HEARTBEAT_EVERY", "10")),
        #: ``json``: the app's log lines as JSON objects (production's default); ``text``.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "json" if production else "text"),
        #: The clock process (``flask clock``): seconds between its tasks' turns.
        "CLOCK_MAIL_EVERY": float(os.environ.get("CLOCK_MAIL_EVERY", "60")),
        "CLOCK_RUNS_EVERY": float(os.environ.get("CLOCK_RUNS_EVERY", "60")),
        "CLOCK_PLACEMENTS_EVERY": float(os.environ.get("CLOCK_PLACEMENTS_EVERY", "900")),
        #: Login throttling (``youth_app.security``): failures are counted within the
        #: window, for one account from one IP address and for one account from all
        #: addresses together, never for one IP alone (a school shares one behind NAT).
        "LOGIN_FAILURE_WINDOW": timedelta(hours=1),
        #: Failures for one account from one address before that pair must wait.
        "LOGIN_MAX_FAILURES": 5,
        #: Failures for one account from all addresses before it waits everywhere but
        #: in browsers that logged in to it before (the known-device cookie).
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 20,
        #: The first wait; each further failure doubles it, up to the longest.
        "LOGIN_BACKOFF_FIRST": timedelta(minutes=1),
        "LOGIN_BACKOFF_MAX": timedelta(minutes=15),
        #: How long a browser that logged in stays a known device for that account.
        "KNOWN_DEVICE_LIFETIME": timedelta(days=365),
        "TOKEN_MAX_AGE": timedelta(hours=24),
    }
    config.update(overrides or {})
    return config
