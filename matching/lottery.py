"""The lottery: every youth's number, derived from the seed and their id alone.

Rule (published): for each youth compute SHA-256 of the UTF-8 text ``"<seed>:<youth id>"``
and read the digest as a big-endian number; sort the youths by that number (ties, which
do not happen in practice, by id) and number them 1, 2, 3, ... in that order.
Number 1 is the most favoured. The numbers do not depend on the order of the file,
the solver, the machine or the number of threads, so anyone can recompute them.
"""
from __future__ import annotations

import hashlib
from typing import Iterable


def lottery_key(seed: int, youth_id: str) -> bytes:
    return hashlib.sha256(f"{seed}:{youth_id}".encode("utf-8")).digest()


def draw(seed: int, youth_ids: Iterable[str]) -> dict[str, int]:
    """Map each youth id to its lottery number 1..N (a permutation)."""
    order = sorted(youth_ids, key=lambda yid: (lottery_key(seed, yid), yid))
    return {yid: number for number, yid in enumerate(order, start=1)}
