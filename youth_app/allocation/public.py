"""What anyone may see of a round, and nothing more.

Public: the seed's fingerprint and the frozen problem's fingerprint from the moment
applications close; after the offers are sent, the seed, every youth's lottery draw
(SHA-256 of ``"<seed>:<pseudonym>"``, sorted, with no pseudonym beside it), and figures
of the allocation in which every count under ``SMALL`` is hidden. Never anything about
one youth: no pseudonym, group, apart group, district, gender or age. A youth sees their
own pseudonym on their result page and can find their draw in the list: its place is
their number. The full problem and result (pseudonymous, with priority groups) are for
auditors only (``rounds.audit_file``), who check them with ``python -m matching check``.
"""
from __future__ import annotations

import matching

from ..facts import SMALL
from ..models import AllocationRun, Round
from . import figures as counted

LOTTERY_FORMAT = "youth-allocation-lottery/1"
LOTTERY_RULE = ("Each young person's draw is SHA-256 of the UTF-8 text \"<seed>:<their code "
                "in the round>\", written in hexadecimal. The draws are listed from the "
                "smallest; a young person's lottery number is the place of their draw in "
                "this list (1 is the first).")


def draws(seed: int, keys) -> list[str]:
    """Every youth's draw, smallest first: the lottery without the people."""
    return sorted(matching.lottery_key(seed, key).hex() for key in keys)


def lottery_file(round_: Round, run: AllocationRun) -> dict:
    """The lottery of a published run (its round's seed was drawn when it closed)."""
    seed = round_.lottery_seed
    if seed is None:
        raise LookupError(f"round {round_.id} has no lottery seed yet")
    return {"format": LOTTERY_FORMAT, "round": round_.name, "seed": round_.lottery_seed,
            "seed_fingerprint": round_.seed_fingerprint,
            "problem_fingerprint": round_.problem_fingerprint, "rule": LOTTERY_RULE,
            "draws": _cached("draws", run, lambda: draws(seed, run.solved_result["lottery"]))}


#: A published run's result never changes, and these pages are anonymous: at 100,000
#: youths the draws would otherwise be counted on every visit. Kept per process for the
#: few newest runs; keyed by when the run finished as well as its id, so a database whose
#: ids start again (tests) never gets another's.
_CACHE: dict[tuple, object] = {}
_CACHE_SIZE = 16


def _cached(what: str, run: AllocationRun, make):
    key = (what, run.id, run.finished_at)
    if key not in _CACHE:
        while len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)), None)
        _CACHE[key] = make()
    return _CACHE[key]


def figures(run: AllocationRun) -> counted.Figures:
    """The run's stored figures with every count under ``SMALL`` hidden, and in each
    table as many more as it takes that none can be worked out from the total."""
    return counted.stored_review(run).figures.for_viewer(counted.Viewer.PUBLIC)


__all__ = ["LOTTERY_FORMAT", "LOTTERY_RULE", "SMALL", "draws", "figures", "lottery_file"]
