"""Small builders for hand-made problems, so each test states only what matters to it."""
from __future__ import annotations

import os
from typing import Any

import pytest

from matching.solve_cbc import cbc_available

SOLVERS = ["highs", pytest.param("cbc", marks=pytest.mark.skipif(
    not cbc_available() and os.environ.get("REQUIRE_CBC") != "1",
    reason="PuLP's bundled CBC binary is not available on this platform (set REQUIRE_CBC=1 to fail instead)"))]


def problem(youths: list[dict], offers: list[dict], applications: list[tuple], **extra: Any) -> dict:
    """applications as (youth, offer, rank); policy keys and locked/forbidden/apart/friends via extra
    (friends only when given: the key is optional)."""
    policy = {"seed": 1, **extra.pop("policy", {})}
    friends = {"friends": [{"youths": list(g)} for g in extra.pop("friends")]} if "friends" in extra else {}
    return {**friends,
        "format": "youth-allocation/1", "policy": policy,
        "youths": [{"age": 16, "groups": [], **y} for y in youths],
        "offers": [{"kind": "activity", "capacity": 1, "min_age": 13, "max_age": 19, "weeks": ["2026-W27"], **o}
                   for o in offers],
        "applications": [{"youth": y, "offer": o, "rank": r} for y, o, r in applications],
        "locked": [{"youth": y, "offer": o} for y, o in extra.pop("locked", [])],
        "forbidden": [{"youth": y, "offer": o} for y, o in extra.pop("forbidden", [])],
        "apart": [{"youths": list(g)} for g in extra.pop("apart", [])],
    }


def week(n: int) -> str:
    return f"2026-W{n:02d}"
