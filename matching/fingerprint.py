"""The fingerprint of a problem: what a municipality publishes when applications close.

SHA-256 of the problem written canonically: JSON with keys sorted, no spaces, non-ASCII
characters as themselves, UTF-8. The same problem gives the same fingerprint whatever
the file's layout, so an auditor can check that the problem they were given is the one
that was frozen (``python -m matching fingerprint PROBLEM.json``).
"""
from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def fingerprint(problem: dict[str, Any]) -> str:
    """Hexadecimal SHA-256 of the canonical form of a problem dictionary."""
    return hashlib.sha256(canonical(problem)).hexdigest()
