"""The gunicorn worker of ``gunicorn.conf.py``: gunicorn's threaded worker (``gthread``)
that stamps each request's arrival, so that the app can shed what waited too long
(``youth_app.shedding``).

A connection is stamped when it is queued for one of the worker's threads: when it is
accepted, and again when a kept-alive connection brings its next request. The thread
that takes it puts the stamp into the request's WSGI environ.
"""
from __future__ import annotations

import threading
import time

from gunicorn.workers.gthread import ThreadWorker

from .shedding import ARRIVED

_current = threading.local()


class QueueTimedWorker(ThreadWorker):
    def enqueue_req(self, conn):
        conn.youth_app_queued_at = time.time()
        super().enqueue_req(conn)

    def handle(self, conn):
        _current.queued_at = getattr(conn, "youth_app_queued_at", None)
        try:
            return super().handle(conn)
        finally:
            _current.queued_at = None

    def load_wsgi(self):
        super().load_wsgi()
        app = self.wsgi

        def stamped(environ, start_response):
            queued_at = getattr(_current, "queued_at", None)
            if queued_at is not None:
                environ[ARRIVED] = queued_at
            return app(environ, start_response)

        self.wsgi = stamped
