"""The one way work leaves the request: an allocation run, or a background job.

``start`` hands committed work (the worker reads its row) to a worker: right away in the
calling thread when ``ALLOCATION_INLINE`` is set (tests), to RQ's ``allocation`` queue when
``REDIS_URL`` is set (``rq worker allocation mail``, entry points in ``worker.py``), or to a
thread of this process otherwise (``make run``). Work that raises has already recorded its
failure on its row; here it is only logged.
"""
from __future__ import annotations

import importlib
import threading

from flask import Flask, current_app

from . import logs
from .extensions import db

#: What a worker can be given: name -> (RQ entry point in ``worker.py``, "module:function"
#: taking the row's id).
TASKS = {"allocation_run": ("worker.run_allocation", "youth_app.allocation.services:execute"),
         "job": ("worker.run_job", "youth_app.jobs:execute")}


def start(app: Flask, task: str, row_id: int) -> None:
    """Start ``task`` for the row ``row_id``; call after the commit that wrote the row."""
    entry_point, _target = TASKS[task]
    if app.config.get("ALLOCATION_INLINE"):  # tests: now, in this thread
        run(app, task, row_id)
        return
    if app.config.get("REDIS_URL"):
        from redis import Redis
        from rq import Queue

        Queue("allocation", connection=Redis.from_url(app.config["REDIS_URL"])).enqueue(
            entry_point, row_id, job_timeout=3600)
        return
    threading.Thread(target=_thread_main, args=(app, task, row_id), daemon=True,
                     name=f"{task}-{row_id}").start()


def start_after_commit(task: str, row_id: int) -> None:
    """``start`` once this request's commit has succeeded (``unit_of_work.after_commit``):
    what a view calls when it has written a job's or a run's row."""
    from .unit_of_work import after_commit

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy
    after_commit(lambda: start(app, task, row_id))


def target(task: str):
    module, _colon, function = TASKS[task][1].partition(":")
    return getattr(importlib.import_module(module), function)


def run(app: Flask, task: str, row_id: int) -> None:
    """Do the work here, in the current app context; a failure is logged, not raised."""
    try:
        target(task)(row_id)
    except Exception:  # the row says it failed; the log says why, without data
        logs.exception(app.logger, "Background %s %s failed", task, row_id)


def _thread_main(app: Flask, task: str, row_id: int) -> None:
    with app.app_context():
        try:
            run(app, task, row_id)
        finally:
            db.session.remove()
