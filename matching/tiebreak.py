"""Pin one allocation when the lottery score still ties: solver-independent by construction.

After level 6 the kept face holds every allocation that is optimal on all six levels.
Usually it holds one; we prove that with one more solve (no allocation in the face
differs from ours). If it holds several, we take the first in lottery order: pairs are
ordered by (lottery number, rank), and the chosen allocation is the one whose 0/1 vector
in that order is lexicographically largest - youth number 1 keeps the best choice any
tied allocation gives them, then number 2, and so on. We compute it in blocks of
``BLOCK`` pairs: maximising sum 2^(BLOCK-1-i) x_i over a block gives exactly the
lexicographic best for that block (powers of two), which is then fixed. The chosen
allocation depends on the problem and seed only, never on which optimum a solver returned.
"""
from __future__ import annotations

import numpy as np

from matching.encoder import Encoding
from matching.solve_common import Backend

BLOCK = 20


def pin_unique(backend: Backend, enc: Encoding, x: np.ndarray,
               deadline: float | None) -> tuple[np.ndarray, int, bool]:
    """(allocation, pairs decided by the tie-break, finished)."""
    x = np.rint(x).astype(np.int64)
    unique = _is_unique(backend, x, deadline)
    if unique is None:
        return x, 0, False
    if unique:
        return x, 0, True
    return _first_in_lottery_order(backend, enc, x, deadline)


def _is_unique(backend: Backend, x: np.ndarray, deadline: float | None) -> bool | None:
    """Whether no allocation in the kept face differs from ``x``; None on time-out."""
    free = backend.free_pairs()
    if free.size == 0:
        return True
    coef = np.zeros(x.size, dtype=np.float64)
    coef[free] = np.where(x[free] == 1, -1.0, 1.0)
    found = backend.maximize_pairs(coef, deadline)
    if found is None:
        return None
    return bool(found[0] <= -float(x[free].sum()) + 1e-6)


def _first_in_lottery_order(backend: Backend, enc: Encoding, x: np.ndarray,
                            deadline: float | None) -> tuple[np.ndarray, int, bool]:
    order = sorted(backend.free_pairs().tolist(), key=lambda k: (enc.lottery[enc.pair_youth[k]], enc.pair_rank[k]))
    decided = 0
    for start in range(0, len(order), BLOCK):
        block = order[start:start + BLOCK]
        coef = np.zeros(x.size, dtype=np.float64)
        coef[block] = 2.0 ** np.arange(len(block) - 1, -1, -1)
        found = backend.maximize_pairs(coef, deadline)
        if found is None:
            return x, decided, False
        x = np.rint(found[1]).astype(np.int64)
        for k in block:
            backend.fix_pair(k, int(x[k]))
        decided += len(block)
        if _is_unique(backend, x, deadline):
            break
    return x, decided, True
