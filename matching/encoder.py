"""Encoder: ids to indices, and the hard rules as plain index sets.

The model builder, the solvers and RSD all work on this one encoding, so a rule is
written once. A *pair* is a (youth, offer) the youth may get: applied or locked,
age fits, not forbidden. Locks that break a rule are not pairs here; they are
reported by ``matching.locks`` before any solve.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from matching.lottery import draw
from matching.problem import Offer, Problem


@dataclass(frozen=True)
class Row:
    """One packing rule: at most ``limit`` of the listed pairs."""
    name: str
    pairs: tuple[int, ...]
    limit: int


@dataclass(frozen=True)
class MinSize:
    """Offer ``offer`` runs with at least ``least`` of ``pairs`` placed, or with none of them.

    Not a packing rule: the model opens the offer with a 0/1 variable (``z_<offer>``)."""
    offer: int
    least: int
    pairs: tuple[int, ...]


@dataclass(frozen=True)
class FriendPair:
    """Two youths of one friend group, and the offers they could share, as (pair of a, pair of b)."""
    a: int
    b: int
    shared: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Encoding:
    youth_ids: tuple[str, ...]
    offer_ids: tuple[str, ...]
    lottery: tuple[int, ...]          #: lottery number per youth index
    tier: tuple[int, ...]             #: tier index per youth index, -1 for none
    tiers: tuple[str, ...]
    pair_youth: tuple[int, ...]
    pair_offer: tuple[int, ...]
    pair_rank: tuple[int, ...]        #: 0 for a locked pair the youth did not apply for
    pair_locked: tuple[bool, ...]
    youth_pairs: tuple[tuple[int, ...], ...]
    rows: tuple[Row, ...]
    max_rank: int                     #: largest rank of any application (used by the lottery score)
    min_sizes: tuple[MinSize, ...] = ()
    #: Friend pairs that could share an offer; empty unless the policy turns friends on.
    friend_pairs: tuple[FriendPair, ...] = ()

    @property
    def n_pairs(self) -> int:
        return len(self.pair_youth)

    @property
    def needs_mip(self) -> bool:
        """Whether the problem has more than packing rows (minimum sizes, the friends level).

        Without them it is a network problem that any back end may solve; with them it
        goes to HiGHS (solved mixed, see ``matching.solve_highs``) or CBC."""
        return bool(self.min_sizes or self.friend_pairs)


def encode(problem: Problem) -> Encoding:
    youth_ids = tuple(y.id for y in problem.youths)
    offer_ids = tuple(o.id for o in problem.offers)
    numbers = draw(problem.policy.seed, youth_ids)
    tiers = problem.policy.priority_tiers
    tier = tuple(tiers.index(t) if (t := problem.tier_of(y)) else -1 for y in problem.youths)
    pairs = _eligible_pairs(problem)
    y_index = {yid: i for i, yid in enumerate(youth_ids)}
    o_index = {oid: j for j, oid in enumerate(offer_ids)}
    pair_youth = tuple(y_index[p[0]] for p in pairs)
    pair_offer = tuple(o_index[p[1]] for p in pairs)
    youth_pairs: list[list[int]] = [[] for _ in youth_ids]
    for k, i in enumerate(pair_youth):
        youth_pairs[i].append(k)
    enc = Encoding(youth_ids, offer_ids, tuple(numbers[y] for y in youth_ids), tier, tiers,
                   pair_youth, pair_offer, tuple(p[2] for p in pairs), tuple(p[3] for p in pairs),
                   tuple(tuple(ps) for ps in youth_pairs), (),
                   max((a.rank for a in problem.applications), default=0))
    return _with_rows(enc, problem)


def _eligible_pairs(problem: Problem) -> list[tuple[str, str, int, bool]]:
    """(youth, offer, rank, locked) for every pair the youth may get, youth by youth, best rank first."""
    forbidden = {(p.youth, p.offer) for p in problem.forbidden}
    locked = {(p.youth, p.offer) for p in problem.locked}
    ranked = {(a.youth, a.offer): a.rank for a in problem.applications}
    candidates = set(ranked) | locked
    order = {yid: i for i, yid in enumerate(y.id for y in problem.youths)}
    out = []
    for yid, oid in candidates:
        youth, offer = problem.youth(yid), problem.offer(oid)
        if (yid, oid) in forbidden or not offer.min_age <= youth.age <= offer.max_age:
            continue
        out.append((yid, oid, ranked.get((yid, oid), 0), (yid, oid) in locked))
    out.sort(key=lambda p: (order[p[0]], p[2] == 0, p[2], p[1]))
    return out


def _with_rows(enc: Encoding, problem: Problem) -> Encoding:
    rows = _capacity_rows(enc, problem) + _youth_rows(enc, problem) + _apart_rows(enc, problem)
    return Encoding(**{**enc.__dict__, "rows": tuple(rows), "min_sizes": _min_sizes(enc, problem),
                       "friend_pairs": _friend_pairs(enc, problem)})


def _pairs_by_offer(enc: Encoding) -> list[list[int]]:
    by_offer: list[list[int]] = [[] for _ in enc.offer_ids]
    for k, j in enumerate(enc.pair_offer):
        by_offer[j].append(k)
    return by_offer


def _min_sizes(enc: Encoding, problem: Problem) -> tuple[MinSize, ...]:
    """Offers with a minimum above 1 that could get anyone. An offer holding a lock runs
    whatever its size (the lock is a decision that it runs), so it has no minimum here."""
    locked = {p.offer for p in problem.locked}
    return tuple(MinSize(j, offer.min_participants, tuple(ps))
                 for j, (offer, ps) in enumerate(zip(problem.offers, _pairs_by_offer(enc), strict=True))
                 if offer.min_participants > 1 and ps and offer.id not in locked)


def _friend_pairs(enc: Encoding, problem: Problem) -> tuple[FriendPair, ...]:
    if not problem.policy.friends:
        return ()
    y_index = {yid: i for i, yid in enumerate(enc.youth_ids)}
    out = []
    for group in problem.friends:
        for a, b in combinations(sorted(y_index[m] for m in group), 2):
            of_b = {enc.pair_offer[k]: k for k in enc.youth_pairs[b]}
            shared = tuple((k, of_b[enc.pair_offer[k]]) for k in enc.youth_pairs[a] if enc.pair_offer[k] in of_b)
            if shared:
                out.append(FriendPair(a, b, shared))
    return tuple(out)


def _capacity_rows(enc: Encoding, problem: Problem) -> list[Row]:
    by_offer = _pairs_by_offer(enc)
    return [Row(f"capacity_{j}", tuple(ps), problem.offers[j].capacity)
            for j, ps in enumerate(by_offer) if len(ps) > problem.offers[j].capacity]


def _youth_rows(enc: Encoding, problem: Problem) -> list[Row]:
    policy, rows = problem.policy, []
    for i, pairs in enumerate(enc.youth_pairs):
        offers = [problem.offers[enc.pair_offer[k]] for k in pairs]
        for n, clique in enumerate(_week_cliques(pairs, offers)):
            rows.append(Row(f"weeks_{i}_{n}", clique, 1))
        if len(pairs) > policy.max_places_per_youth:
            rows.append(Row(f"places_{i}", pairs, policy.max_places_per_youth))
        jobs = tuple(k for k, o in zip(pairs, offers, strict=True) if o.is_job)
        if len(jobs) > policy.max_jobs_per_youth:
            rows.append(Row(f"jobs_{i}", jobs, policy.max_jobs_per_youth))
    return rows


def _week_cliques(pairs: tuple[int, ...], offers: list[Offer]) -> list[tuple[int, ...]]:
    """Maximal sets of the youth's offers that pairwise share a week: at most one of each set.

    On whole numbers this says exactly "no two offers that share a week". Using maximal
    cliques of the clash graph rather than one row per week also cuts off the fractional
    points (three offers clashing in a ring, each half taken) that weaken the LP.
    """
    weeks = [set(o.weeks) for o in offers]
    n = len(pairs)
    clash = [{b for b in range(n) if b != a and weeks[a] & weeks[b]} for a in range(n)]
    return sorted(tuple(sorted(pairs[a] for a in c)) for c in _maximal_cliques(n, clash) if len(c) > 1)


def _maximal_cliques(n: int, adj: list[set[int]]) -> list[tuple[int, ...]]:
    """Bron-Kerbosch with a pivot, on an explicit stack: a youth with a thousand offers in one
    week makes a clique a thousand deep, past Python's recursion limit."""
    out: list[tuple[int, ...]] = []
    stack: list[tuple[tuple[int, ...], set[int], set[int]]] = [((), set(range(n)), set())]
    while stack:
        r, p, x = stack.pop()
        if not p and not x:
            out.append(r)
            continue
        pivot = max(p | x, key=lambda v: len(adj[v] & p))
        for v in list(p - adj[pivot]):
            stack.append((r + (v,), p & adj[v], x & adj[v]))
            p.discard(v)
            x.add(v)
    return out


def _apart_rows(enc: Encoding, problem: Problem) -> list[Row]:
    y_index = {yid: i for i, yid in enumerate(enc.youth_ids)}
    rows: list[Row] = []
    for g, group in enumerate(problem.apart):
        by_offer: dict[int, list[int]] = {}
        for yid in group:
            for k in enc.youth_pairs[y_index[yid]]:
                by_offer.setdefault(enc.pair_offer[k], []).append(k)
        rows.extend(Row(f"apart_{g}_{j}", tuple(sorted(ks)), 1)
                    for j, ks in sorted(by_offer.items()) if len(ks) > 1)
    return rows
