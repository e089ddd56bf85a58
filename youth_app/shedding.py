"""Load shedding: past capacity, a request that has already waited too long for a worker
is answered at once with 503, ``Retry-After`` and a page in the user's language, instead
of being served long after its user gave up, or killed by gunicorn's timeout (a 500).

How long a request waited is the time between its arrival and the moment the app starts
on it. The arrival is stamped by the gunicorn worker (``youth_app.web_worker``, the
worker class of ``gunicorn.conf.py``) when the connection is queued for a thread; behind
a trusted reverse proxy (``PROXY_X_FOR`` of 1 or more) the proxy's ``X-Request-Start``
header (nginx: ``proxy_set_header X-Request-Start "t=${msec}";``) is used when it is
earlier, so the time in the kernel's queue counts too. Shedding the oldest requests
first keeps the queue short: every request that is served starts within
``WEB_MAX_QUEUE_WAIT`` seconds, and the others learn at once that they should come back.

The page is rendered as for a visitor who is not signed in (no database query: an
overloaded server should not do more work to refuse work), like the 503 page of an
unreachable database.
"""
from __future__ import annotations

import re
import time

from flask import Flask, current_app, render_template, request

from .extensions import login_manager

#: The WSGI environ key under which the gunicorn worker puts a request's arrival
#: (seconds since the epoch, ``time.time()``).
ARRIVED = "youth_app.arrived_at"

#: Endpoints never shed: the load balancer's checks touch nothing and must keep answering.
NEVER_SHED = frozenset({"health.alive", "health.ready", "static"})

#: The proxy's header, as WSGI names it (``X-Request-Start``).
REQUEST_START = "HTTP_X_REQUEST_START"
_REQUEST_START = re.compile(r"^\s*(?:t=)?(\d+(?:\.\d+)?)\s*$")


def arrival(environ: dict, trust_header: bool) -> float | None:
    """When the request arrived: the worker's stamp, or the proxy's when earlier."""
    times = []
    stamped = environ.get(ARRIVED)
    if isinstance(stamped, float):
        times.append(stamped)
    if trust_header:
        header = _REQUEST_START.match(environ.get(REQUEST_START, ""))
        if header:
            value = float(header.group(1))
            # nginx sends seconds with milliseconds; others milli- or microseconds.
            while value > 1e11:
                value /= 1000
            times.append(value)
    return min(times) if times else None


def shed_when_overloaded():
    """``before_request`` hook: the 503 page for a request that waited too long."""
    limit = current_app.config["WEB_MAX_QUEUE_WAIT"]
    if not limit or request.endpoint in NEVER_SHED:
        return None
    arrived = arrival(request.environ, current_app.config["PROXY_X_FOR"] > 0)
    waited = time.time() - arrived if arrived is not None else 0.0
    if waited <= limit:
        return None
    current_app.logger.warning("Overloaded: shed a request that waited %.1f s", waited)
    # As a visitor: the user loader would reach for the database.
    login_manager._update_request_context_with_user()
    retry_after = current_app.config["WEB_RETRY_AFTER"]
    return (render_template("errors/overloaded.html", retry_after=retry_after), 503,
            {"Retry-After": str(retry_after), "Cache-Control": "no-store"})


def init_app(app: Flask) -> None:
    app.before_request(shed_when_overloaded)
