"""The production web process starts from one command, `gunicorn wsgi:app`, whose
settings come from gunicorn.conf.py and the environment."""
from __future__ import annotations

import os
import subprocess
import sys

from youth_app.config import ROOT

#: gunicorn's gthread worker that stamps each request's arrival (load shedding).
WORKER = "youth_app.web_worker.QueueTimedWorker"


def _printed(**env: str) -> dict[str, str]:
    done = subprocess.run([sys.executable, "-m", "gunicorn", "--print-config", "wsgi:app"],
                          cwd=ROOT, env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=60, check=True)
    pairs = (line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def test_the_settings_come_from_the_environment():
    settings = _printed(WEB_WORKERS="3", WEB_THREADS="4", WEB_BIND="127.0.0.1:8123")
    assert settings["workers"]== "3"
    assert settings["worker_class"]== WORKER and settings["threads"]== "4"
    assert "127.0.0.1:8123" in settings["bind"]
    assert settings["accesslog"]== "None"  # IP addresses are not logged by default


def test_without_settings_sync_workers_on_loopback():
    settings = _printed()
    assert settings["worker_class"]== "sync"
    assert settings["workers"]== str(2 * (os.cpu_count() or 1) + 1)
    assert "127.0.0.1:8000" in settings["bind"]
