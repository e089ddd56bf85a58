"""Random serial dictatorship on the same lottery: the baseline users know.

Locked pairs are placed first (they are decisions already taken). Then each youth,
in lottery order (number 1 first), takes their best-ranked choices one by one while
each is still possible, up to the place limit. It is fast and easy to explain, but
it can leave places empty that the optimiser would fill.

Minimum sizes (``min_participants``) are kept by closing: an offer that ends a pass with
some youths but fewer than its minimum is closed, and the pass runs again from the start
without it, until no open offer falls short (each pass closes an offer for good, so this
ends). Friend groups play no part here, nor in the stable method.
"""
from __future__ import annotations

import numpy as np

from collections.abc import Callable

from matching.encoder import Encoding
from matching.problem import Problem


class _Board:
    """Seats left per offer and, per youth, what they hold: enough to test every rule.

    ``closed`` offers (indices) take nobody beyond their locks (locked offers have no minimum)."""

    def __init__(self, enc: Encoding, problem: Problem, closed: frozenset[int] = frozenset()) -> None:
        self.enc, self.problem, self.closed = enc, problem, closed
        self.seats = [o.capacity for o in problem.offers]
        self.x = np.zeros(enc.n_pairs, np.int64)
        self.row_use = [0] * len(enc.rows)
        self.rows_of_pair: list[list[int]] = [[] for _ in range(enc.n_pairs)]
        for r, row in enumerate(enc.rows):
            for k in row.pairs:
                self.rows_of_pair[k].append(r)

    def fits(self, k: int) -> bool:
        rows, offer = self.enc.rows, self.enc.pair_offer[k]
        return offer not in self.closed and self.seats[offer] > 0 and all(
            self.row_use[r] < rows[r].limit for r in self.rows_of_pair[k])

    def place(self, k: int) -> None:
        self.x[k] = 1
        self.seats[self.enc.pair_offer[k]] -= 1
        for r in self.rows_of_pair[k]:
            self.row_use[r] += 1


def short_offers(enc: Encoding, x: np.ndarray) -> set[int]:
    """Offers with a minimum that got some youths but fewer than it."""
    return {m.offer for m in enc.min_sizes if 0 < int(x[list(m.pairs)].sum()) < m.least}


def closing_short_offers(enc: Encoding, run: Callable[[frozenset[int]], np.ndarray]) -> np.ndarray:
    """``run(closed)`` again and again, closing the offers each pass leaves short, until none is."""
    closed: frozenset[int] = frozenset()
    while True:
        x = run(closed)
        short = short_offers(enc, x)
        if not short:
            return x
        closed |= short


def serial_dictatorship(enc: Encoding, problem: Problem) -> np.ndarray:
    """0/1 per pair. Assumes the locks do not clash (checked before)."""
    return closing_short_offers(enc, lambda closed: _serial_dictatorship(enc, problem, closed))


def _serial_dictatorship(enc: Encoding, problem: Problem, closed: frozenset[int]) -> np.ndarray:
    board = _Board(enc, problem, closed)
    for k in range(enc.n_pairs):
        if enc.pair_locked[k]:
            board.place(k)
    order = sorted(range(len(enc.youth_ids)), key=lambda i: enc.lottery[i])
    for i in order:
        for k in enc.youth_pairs[i]:     # pairs are stored best rank first
            if not enc.pair_locked[k] and board.fits(k):
                board.place(k)
    return board.x


def fill_greedily(enc: Encoding, problem: Problem, x: np.ndarray) -> np.ndarray:
    """Add, in lottery order, every choice that still fits: makes any valid allocation maximal.

    An offer with a minimum that ``x`` leaves empty stays empty (one youth alone would be short)."""
    empty = frozenset(m.offer for m in enc.min_sizes if not x[list(m.pairs)].any())
    board = _Board(enc, problem, empty)
    for held in np.flatnonzero(x):
        board.place(int(held))
    for i in sorted(range(len(enc.youth_ids)), key=lambda i: enc.lottery[i]):
        for k in enc.youth_pairs[i]:
            if not board.x[k] and board.fits(k):
                board.place(k)
    return board.x


def priority_greedy(enc: Encoding, problem: Problem) -> np.ndarray:
    """A quick valid allocation in the spirit of the objective, for a search cut short.

    Youths in order of tier, then lottery number, first take one place each (best rank
    that fits), then, in the same order, every further choice that still fits. Never
    reported as optimal. Offers left short are closed as in ``serial_dictatorship``.
    """
    return closing_short_offers(enc, lambda closed: _priority_greedy(enc, problem, closed))


def _priority_greedy(enc: Encoding, problem: Problem, closed: frozenset[int]) -> np.ndarray:
    board = _Board(enc, problem, closed)
    for k in range(enc.n_pairs):
        if enc.pair_locked[k]:
            board.place(k)
    order = sorted(range(len(enc.youth_ids)),
                   key=lambda i: (enc.tier[i] if enc.tier[i] >= 0 else len(enc.tiers), enc.lottery[i]))
    for first_places_only in (True, False):
        for i in order:
            for k in enc.youth_pairs[i]:
                if first_places_only and any(board.x[p] for p in enc.youth_pairs[i]):
                    break
                if not board.x[k] and board.fits(k):
                    board.place(k)
    return board.x
