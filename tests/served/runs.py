"""Allocation runs as an administrator starts and follows them: the round page's button,
then the run page's progress (``progress.json``, what the progress bar polls)."""
from __future__ import annotations

import re
import time

from .clients import Person
from .harness import HarnessError

RUN_PAGE = re.compile(r"/admin/runs/(\d+)")
UNDER_WAY = ("queued", "running")


def start_run(site, admin: Person, round_id: int) -> int:
    """Press "Run the allocation" on the round page; returns the run's id."""
    admin.read_csrf(site.path("rounds.show", round_id=round_id))
    response = admin.post(site.path("rounds.start_run", round_id=round_id))
    found = RUN_PAGE.search(response.url)
    assert response.status_code == 200 and found, \
        f"starting a run led to {response.status_code} {response.url}"
    return int(found.group(1))


def progress(site, admin: Person, run_id: int) -> dict:
    response = admin.get(site.path("rounds.run_progress", run_id=run_id))
    assert response.status_code == 200, f"progress.json: {response.status_code}"
    return response.json()


def wait_for_status(site, admin: Person, run_id: int, wanted, timeout: float) -> dict:
    """Poll the progress until its status is in ``wanted``; returns the last progress
    seen either way, so the caller's assertion can say what the run did instead."""
    deadline = time.monotonic() + timeout
    while True:
        seen = progress(site, admin, run_id)
        if seen["status"] in wanted or time.monotonic() > deadline:
            return seen
        time.sleep(0.1)


def finished(site, admin: Person, run_id: int, timeout: float = 240) -> dict:
    seen = wait_for_status(site, admin, run_id, ("succeeded", "failed", "cancelled"), timeout)
    if seen["status"] in UNDER_WAY:
        raise HarnessError(f"run {run_id} still {seen} after {timeout:.0f} s\n{site.log_tail()}")
    return seen
