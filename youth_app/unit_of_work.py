"""One unit of work per request: the request commits, once, and no view does.

``init_app`` wraps every view function of the app (after all blueprints are registered,
so no view can forget it), as Indico's request handler does (indico/indico:
``indico/web/rh.py``). For each request the wrapper:

- **commits once when the view returns**, whatever the status of its response: a login
  refused with 429 still keeps the failed attempt that throttles the next one;
- **rolls back when the view raises**: a domain error, an ``abort(404)``, anything; the
  error page is then rendered on a clean session;
- **runs the whole view again** when the database gave up on the transaction only because
  it lost a race (``db_retry.retryable``: SQLite's "database is locked", PostgreSQL's
  serialisation failures and deadlocks), after a rollback and a short random wait, at most
  ``ATTEMPTS`` times. Before each attempt the request is put back as it was: the session
  (so flashed messages are shown once, not once per attempt), ``g``, the functions queued
  with ``after_this_request``, and uploaded files are rewound;
- runs the functions given to ``after_commit`` once its commit has succeeded, and never
  when it rolled back or is about to try again.

Services flush and never commit. A view that catches a ``DomainError`` to show a message
calls the service through ``attempt``, a SAVEPOINT: the failed call leaves nothing behind,
while what the request wrote before it stays. (SQLite in this project emits BEGIN itself,
``youth_app.sqlite``, so SAVEPOINT works there as on PostgreSQL.)

E-mail needs nothing from here: ``youth_app.mail`` delivers after the commit by itself, and
a rollback (of the request or of a savepoint) forgets what it queued.

A streamed response body runs after the commit, in a transaction that is never committed:
a generator given to a response may read, never write.
"""
from __future__ import annotations

import copy
import functools
from typing import Callable, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, g, request, session
from flask.globals import request_ctx

from .db_retry import back_off, retryable
from .extensions import db

T = TypeVar("T")

#: Attempts of one request before a lost race is given up (and answered with 503).
ATTEMPTS = 20

#: ``g`` key: the functions to run after this request's commit (set while a view runs).
_AFTER_COMMIT = "_unit_of_work_after_commit"
#: The attribute that marks a wrapped view.
_MARK = "unit_of_work"


def init_app(app: Flask) -> None:
    """Wrap every view function of ``app``; call after the last blueprint is registered.
    Safe to call again (a view added later gets wrapped, none twice)."""
    for endpoint, view in app.view_functions.items():
        if not is_wrapped(view):
            app.view_functions[endpoint] = one_unit_of_work(view)


def is_wrapped(view: Callable) -> bool:
    return getattr(view, _MARK, False)


def one_unit_of_work(view: Callable) -> Callable:
    """``view`` as one transaction: committed when it returns, rolled back when it raises,
    run again when it lost a race."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if _AFTER_COMMIT in g:  # a view called by a view: the outer one commits
            return view(*args, **kwargs)
        before = _RequestState.take()
        for attempt_number in range(ATTEMPTS):
            try:
                response, hooks = _run_once(view, args, kwargs)
            except sa.exc.OperationalError as error:
                if not retryable(error) or attempt_number == ATTEMPTS - 1:
                    raise
                current_app.logger.info("%s lost a race for the database; attempt %d",
                                        request.endpoint, attempt_number + 2)
                back_off(attempt_number)
                before.restore()
                continue
            for hook in hooks:
                hook()
            return response
        raise AssertionError("unreachable")

    setattr(wrapper, _MARK, True)
    return wrapper


def _run_once(view: Callable, args, kwargs) -> tuple[object, list[Callable[[], object]]]:
    """Run the view and commit; on any exception roll back and raise it. Returns the
    response and the functions to call now that the commit has succeeded."""
    hooks: list[Callable[[], object]] = []
    setattr(g, _AFTER_COMMIT, hooks)
    try:
        response = view(*args, **kwargs)
        db.session.commit()
    except BaseException:
        _roll_back()
        raise
    finally:
        g.pop(_AFTER_COMMIT, None)
    return response, hooks


def _roll_back() -> None:
    """Forget the failed attempt; with the database gone, even that may fail."""
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        db.session().invalidate()


class _RequestState:
    """What a view may change besides the database, as it was before the first attempt."""

    def __init__(self):
        accessed = getattr(session, "accessed", None)
        self.session = copy.deepcopy(dict(session))
        if accessed is not None:  # looking is not using: no "Vary: Cookie" for it
            session.accessed = accessed
        self.flashes = copy.copy(request_ctx.flashes)
        self.g = dict(vars(g))
        self.after_request = len(request_ctx._after_request_functions)

    @classmethod
    def take(cls) -> "_RequestState":
        return cls()

    def restore(self) -> None:
        session.clear()
        session.update(copy.deepcopy(self.session))
        request_ctx.flashes = copy.copy(self.flashes)
        vars(g).clear()
        vars(g).update(self.g)
        del request_ctx._after_request_functions[self.after_request:]
        for upload in request.files.values():
            if upload.stream.seekable():
                upload.stream.seek(0)


def after_commit(call: Callable[[], object]) -> None:
    """Run ``call`` once this request's commit has succeeded: for side effects that leave
    the process and need the committed rows (starting an allocation run in the
    background). Never runs if the request rolls back; a request that is run again
    registers it again. Only a view (or what it calls) may register one."""
    hooks = g.get(_AFTER_COMMIT)
    if hooks is None:
        raise RuntimeError("after_commit is for views: outside a request, commit first "
                           "and then call it yourself")
    hooks.append(call)


def attempt(call: Callable[[], T]) -> T:
    """Run ``call`` in a SAVEPOINT: if it raises, everything it wrote is undone and the
    error goes on to the caller, while what the request wrote before it stays. For a view
    that turns a ``DomainError`` into a message (the request still commits)."""
    with db.session.begin_nested():
        return call()
