"""The default objective's levels (contract section "What best means"), as coefficient vectors.

Every level is stated as a maximisation over the pair variables x and the
"has a place" variables y, so one loop can optimise them in order. Rank sums are
minimised, so their coefficients are negated and ``sign`` turns the value back into
the number people read ("rank sum 206", not -206).

With ``policy.friends`` a level "friend pairs together" comes right after "places filled":
the number of friend pairs (two youths of one friend group) placed on at least one common
offer; it is stated over one more 0/1 variable per friend pair, ``w`` (``together``
computes it from x).

Level 6, the lottery, is a weighted sum that is provably what "a lower number is
favoured" promises among allocations equal on levels 1-5 (see the README, "The optimiser"):
a placement of youth i on their rank r choice scores (N + 1 - lottery_i) * (R + 1 - r),
with N youths and R the largest rank of any application in the problem.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matching.encoder import Encoding
from matching.problem import FRIENDS_LEVEL, Policy


@dataclass(frozen=True, eq=False)
class Level:
    name: str
    x_coef: np.ndarray   #: int64 per pair
    y_coef: np.ndarray   #: int64 per youth index
    sign: int            #: reported value = sign * (x_coef . x + y_coef . y)
    #: "simplex" (dual), "primal", "ipm", or "count": the back end picks by size for the
    #: youths-placed level, where a warm start needs about one pivot per youth placed.
    method: str = "simplex"
    #: int64 per friend pair (``Encoding.friend_pairs``); empty when the problem has none
    w_coef: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def raw(self, x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> int:
        friends = int(self.w_coef @ w) if w is not None and self.w_coef.size else 0
        return int(self.x_coef @ x + self.y_coef @ y) + friends

    def value(self, x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> int:
        return self.sign * self.raw(x, y, w)

    def crude_bound(self) -> int:
        """A valid bound without solving (every 0/1 variable at its best): for a cut-short level."""
        return self.sign * int(sum(np.clip(c, 0, None).sum() for c in (self.x_coef, self.y_coef, self.w_coef)))

    @property
    def is_empty(self) -> bool:
        return not self.x_coef.any() and not self.y_coef.any() and not self.w_coef.any()


def build_levels(enc: Encoding, policy: Policy) -> list[Level]:
    n_pairs, n_youths = enc.n_pairs, len(enc.youth_ids)
    tier = np.asarray(enc.tier, dtype=np.int64)
    rank = np.asarray(enc.pair_rank, dtype=np.int64)
    pair_tier = tier[np.asarray(enc.pair_youth, dtype=np.int64)] if n_pairs else np.zeros(0, np.int64)
    zx, zy = np.zeros(n_pairs, np.int64), np.zeros(n_youths, np.int64)
    can_place = np.fromiter((bool(ps) for ps in enc.youth_pairs), dtype=np.int64, count=n_youths)
    levels = [Level(f"tier {t} placed", zx, can_place * (tier == i), 1) for i, t in enumerate(enc.tiers)]
    levels.append(Level("youths placed", zx, can_place, 1, method="count"))
    levels.append(Level("places filled", np.ones(n_pairs, np.int64), zy, 1))
    if policy.friends:
        levels.append(Level(FRIENDS_LEVEL, zx, zy, 1, w_coef=np.ones(len(enc.friend_pairs), np.int64)))
    if policy.priority_ranks:
        levels += [Level(f"tier {t} rank sum", -rank * (pair_tier == i), zy, -1) for i, t in enumerate(enc.tiers)]
    levels.append(Level("rank sum", -rank, zy, -1))
    levels.append(Level("lottery score", lottery_weights(enc), zy, 1))
    return levels


def lottery_weights(enc: Encoding) -> np.ndarray:
    """(N + 1 - lottery number) * (R + 1 - rank) per ranked pair; 0 for unranked locks (fixed anyway)."""
    rank = np.asarray(enc.pair_rank, dtype=np.int64)
    if rank.size == 0:
        return rank
    numbers = np.asarray(enc.lottery, dtype=np.int64)[np.asarray(enc.pair_youth, dtype=np.int64)]
    weights = (len(enc.youth_ids) + 1 - numbers) * (enc.max_rank + 1 - rank)
    return np.where(rank > 0, weights, 0)


def has_place(enc: Encoding, x: np.ndarray) -> np.ndarray:
    """y from x: 1 for each youth with at least one place."""
    y = np.zeros(len(enc.youth_ids), np.int64)
    if x.size:
        np.maximum.at(y, np.asarray(enc.pair_youth, dtype=np.int64), x.astype(np.int64))
    return y


def together(enc: Encoding, x: np.ndarray) -> np.ndarray:
    """w from x: 1 for each friend pair placed on at least one common offer."""
    return np.fromiter((any(x[ka] and x[kb] for ka, kb in fp.shared) for fp in enc.friend_pairs),
                       dtype=np.int64, count=len(enc.friend_pairs))
