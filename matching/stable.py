"""``method="stable"``: youth-proposing deferred acceptance with one priority order.

Every offer ranks its applicants the same way: by the youth's priority tier (the round's
``priority_tiers``, first tier highest, youths without a tier last), then by the lottery
(``matching.lottery_key``, the same numbers the coverage-first method uses). With one
priority order shared by every offer, youth-proposing deferred acceptance reduces to
serial dictatorship in that order: the youth with the highest priority is never rejected
by any offer once it holds them, so they end with exactly what they would pick first;
then the next, and so on (Abdulkadiroğlu and Sönmez 2003, Svensson 1999). We run it in
that form, which stays well defined under every product rule where plain deferred
acceptance does not (week clashes and several places per youth make the youths'
demand non-substitutable, and apart groups make the offers' choice non-substitutable).

The published variant, step by step:

1. Locked pairs are placed first: a lock is a decision already taken, not a claim of
   priority (locks never clash here: ``matching.locks`` is checked before).
2. Youths in priority order (tier, then lottery number). Each goes down their own list in
   rank order and takes an offer when (a) it has a seat left, (b) no youth of one of their
   apart groups is already on it, and (c) it keeps their own rules together with what
   they already hold (their locks and the better-ranked offers just taken): at most
   ``max_places_per_youth`` places, ``max_jobs_per_youth`` jobs, no two offers sharing a
   week. The set a youth ends with is thus the lexicographically best set by rank
   (best choice first, then the best that fits beside it, ...) among what is left.

Guarantees (tested in tests/matching/test_stable.py, against brute force on small problems):

- Every hard rule holds (``matching.validate``).
- No justified envy and no unclaimed seat, exactly as ``matching.envy`` defines them:
  no youth would take an offer (beside their locks and the places they hold ranked above
  it) that either has a free seat they may sit in, or is held, without a lock, by a youth
  of lower priority whom they could replace without meeting an apart-mate.
- It is the only allocation without justified envy and unclaimed seats when no youth is in
  two apart groups (by induction down the priority order). With overlapping groups there
  can be others: if A is kept apart from B and, in another group, from C, then B and C
  together on an offer block A although neither alone does, so no single holder is
  envied (the definition counts envy towards one holder at a time).
- Strategy-proof for youths whose preferences over sets of places are lexicographic by
  rank (the first choice matters more than any number of later ones): what is left when a
  youth's turn comes does not depend on their list, and they get the best of it by their
  list. With one place per youth that is all preferences: no youth gains by reordering
  or shortening their list. With several places it is not guaranteed for a youth who would
  rather have two lower choices than one top choice that clashes with both: leaving the
  top choice out can get them the two.
- Not guaranteed: as many youths or places as coverage-first, or tier coverage: a
  high-priority youth takes every place their list and rules allow before anyone lower
  gets a first place.
"""
from __future__ import annotations

import numpy as np

from matching.encoder import Encoding
from matching.problem import Problem
from matching.rsd import _Board, closing_short_offers


def priority_order(enc: Encoding) -> list[int]:
    """Youth indices by (tier, lottery number): the one order every offer ranks applicants by."""
    none = len(enc.tiers)
    return sorted(range(len(enc.youth_ids)),
                  key=lambda i: (enc.tier[i] if enc.tier[i] >= 0 else none, enc.lottery[i]))


def deferred_acceptance(enc: Encoding, problem: Problem) -> np.ndarray:
    """0/1 per pair. Assumes the locks do not clash (checked before). Offers a pass leaves
    below their minimum size are closed and the pass is run again (``matching.rsd``);
    friend groups are ignored."""
    return closing_short_offers(enc, lambda closed: _deferred_acceptance(enc, problem, closed))


def _deferred_acceptance(enc: Encoding, problem: Problem, closed: frozenset[int]) -> np.ndarray:
    board = _Board(enc, problem, closed)
    for k in range(enc.n_pairs):
        if enc.pair_locked[k]:
            board.place(k)
    for i in priority_order(enc):
        for k in enc.youth_pairs[i]:     # pairs are stored best rank first
            if not board.x[k] and board.fits(k):
                board.place(k)
    return board.x
