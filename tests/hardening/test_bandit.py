"""Bandit, the static security check, finds nothing of medium or high severity.

A false positive is marked where it is, with ``# nosec BXXX`` and the reason on the
same line, so the next reader sees why it is safe.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from youth_app.config import ROOT

pytestmark = pytest.mark.hardening

SCANNED = ["youth_app", "matching", "wsgi.py"]


def test_bandit_finds_nothing_of_medium_or_high_severity():
    finished = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", *SCANNED, "-ll", "-f", "json", "-q"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert finished.stdout, f"bandit did not run: {finished.stderr}"
    report = json.loads(finished.stdout)
    findings = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_severity']}: "
                f"{r['issue_text']}" for r in report["results"]]
    assert not report["errors"], report["errors"]
    assert findings == [], "\n".join(findings)
    assert finished.returncode == 0, finished.stderr
