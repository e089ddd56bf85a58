"""Random serial dictatorship on the same lottery: the baseline users know.

Locked pairs are placed first (they are decisions already taken). Then each youth,
in lottery order (number 1 first), takes their best-ranked choices one by one while
each is still possible, up to the place limit. It is fast and easy to explain, but
it can leave places empty that the optimiser would fill.
"""
from __future__ import annotations

import numpy as np

from matching.encoder import Encoding
from matching.problem import Problem


class _Board:
    """Seats left per offer and, per youth, what they hold: enough to test every rule."""

    def __init__(self, enc: Encoding, problem: Problem) -> None:
        self.enc, self.problem = enc, problem
        self.seats = [o.capacity for o in problem.offers]
        self.x = np.zeros(enc.n_pairs, np.int64)
        self.row_use = [0] * len(enc.rows)
        self.rows_of_pair: list[list[int]] = [[] for _ in range(enc.n_pairs)]
        for r, row in enumerate(enc.rows):
            for k in row.pairs:
                self.rows_of_pair[k].append(r)

    def fits(self, k: int) -> bool:
        rows = self.enc.rows
        return self.seats[self.enc.pair_offer[k]] > 0 and all(
            self.row_use[r] < rows[r].limit for r in self.rows_of_pair[k])

    def place(self, k: int) -> None:
        self.x[k] = 1
        self.seats[self.enc.pair_offer[k]] -= 1
        for r in self.rows_of_pair[k]:
            self.row_use[r] += 1


def serial_dictatorship(enc: Encoding, problem: Problem) -> np.ndarray:
    """0/1 per pair. Assumes the locks do not clash (checked before)."""
    board = _Board(enc, problem)
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
    """Add, in lottery order, every choice that still fits: makes any valid allocation maximal."""
    board = _Board(enc, problem)
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
    reported as optimal.
    """
    board = _Board(enc, problem)
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
