"""Health for the machines that run the platform (a load balancer, an orchestrator).

``/healthz`` says the process answers, and touches nothing else: a busy database does
not get a healthy web process restarted. ``/readyz`` says it can serve: the database
answers and, where ``REDIS_URL`` is set, Redis too; 503 otherwise, so traffic goes to
another process. Plain JSON without personal data, never cached.
"""
from flask import Blueprint

bp = Blueprint("health", __name__)

from . import routes  # noqa: E402,F401
