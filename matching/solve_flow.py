"""Lexicographic solve as a chain of min-cost flows (OR-Tools), for problems that are networks.

When it applies. Every row of the encoding is a packing row over the pairs of one youth
(``weeks_*``, ``places_*``, ``jobs_*``) or of one offer (``capacity_*``, ``apart_*``). If
each youth's rows, and each offer's, form a laminar (nested) family, the rows become two
trees: source -> youth -> nested rows -> pair arc -> nested rows -> offer -> sink, each
row an arc whose capacity is its limit. The "has a place" variable y_i is the first of two
parallel arcs from the source into the youth (capacity 1, the level's y cost; and one of
capacity "all the youth's pairs", cost 0): y_i <= sum of x and y_i <= 1, as in the model.
A lock is a pair arc with lower bound 1. The flow polytope is then the model's LP
polytope in other coordinates, and it is integral.

Rows that do not nest with the rest (a week clique crossing the jobs row, say) are left
out and checked on the final allocation (``Network.broken_rows``): the flow then solves a
relaxation, and if its final allocation keeps every row left out, it is the exact answer
too (each level's relaxed optimum is an upper bound the allocation reaches, and the
relaxed final face, which holds the exact one, has it as its first in lottery order).
Otherwise ``optimise`` solves once more keeping the broken rows first, then splits the
problem on pairs of broken rows (see there). Anything the flow does not know (another kind
of row, a field the problem, encoding, a row or a level gained, a negative y cost) is
declined up front by raising ``NotANetwork``, and the engine solves with HiGHS instead.

Why each level is exact. Each level is a min-cost circulation with integer costs (the
level's coefficients, negated), solved exactly by OR-Tools. Node potentials, the
shortest distances in the residual graph (``_potentials``), are an optimal dual; by
complementary slackness the level's optimal face is the current network with every arc
of nonzero reduced cost fixed at its flow, so those arcs are fixed (lower bound = upper
bound) before the next level. This is the face the HiGHS back end keeps, so the
tie-break (``matching.tiebreak``) picks the same allocation through
``free_pairs``/``fix_pair``/``maximize_pairs``. (Solving two levels as one flow, with
costs W * first + second, was tried: no faster with OR-Tools' cost scaling at 20,000 youths.)
"""
from __future__ import annotations

import dataclasses
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

from matching.encoder import Encoding, Row
from matching.levels import Level
from matching.problem import Policy, Problem
from matching.solve_common import LevelOutcome
from matching.tiebreak import pin_unique

YOUTH_ROWS = ("weeks", "places", "jobs")
OFFER_ROWS = ("capacity", "apart")
#: The encoding, row and level fields this module understands; a new one means a new rule.
KNOWN_FIELDS = {
    Encoding: {"youth_ids", "offer_ids", "lottery", "tier", "tiers", "pair_youth", "pair_offer", "pair_rank",
               "pair_locked", "youth_pairs", "rows", "max_rank",
               # not networks: a problem that has any is declined (``Encoding.needs_mip``)
               "min_sizes", "friend_pairs"},
    Row: {"name", "pairs", "limit"},
    Level: {"name", "x_coef", "y_coef", "sign", "method", "w_coef"},
}
#: The problem's fields the rows above come from; a new one set means a rule the flow may not know.
KNOWN_INPUT = {
    Problem: {"policy", "youths", "offers", "applications", "locked", "forbidden", "apart"},
    Policy: {"seed", "max_places_per_youth", "max_jobs_per_youth", "priority_tiers", "priority_ranks"},
}
SOURCE, SINK = 0, 1
#: Networks solved for one problem at most (the first, a retry keeping first the rows it
#: broke, then branches) before the engine turns to HiGHS.
MAX_NETWORKS = 10


class NotANetwork(Exception):
    """The problem (or a level) is not a network this module can solve: use HiGHS. The message says why."""


@dataclass
class Network:
    """Arcs as parallel arrays; ``lower``/``upper`` are edited as levels fix arcs."""
    n_nodes: int
    tail: np.ndarray            #: int32
    head: np.ndarray            #: int32
    lower: np.ndarray           #: int64
    upper: np.ndarray           #: int64
    pair_arc: np.ndarray        #: arc index of each pair
    first_arc: np.ndarray       #: arc index of each youth's "has a place" arc, -1 for a youth without pairs
    left_out: tuple[Row, ...]   #: rows not in the network, checked on the final allocation

    def broken_rows(self, x: np.ndarray) -> list[Row]:
        """The left-out rows that ``x`` breaks."""
        return [row for row in self.left_out if int(x[list(row.pairs)].sum()) > row.limit]


def keeps_every_row(enc: Encoding, x: np.ndarray) -> bool:
    """Whether the whole allocation ``x`` keeps every row of the encoding (a last check)."""
    if not enc.rows:
        return True
    pairs = np.concatenate([np.asarray(r.pairs, np.int64) for r in enc.rows])
    starts = np.cumsum([0] + [len(r.pairs) for r in enc.rows[:-1]])
    sums = np.add.reduceat(np.rint(x[pairs]).astype(np.int64), starts)
    return bool(np.all(sums <= np.array([r.limit for r in enc.rows])))


def check_input(problem: Problem) -> None:
    """``NotANetwork`` when the problem sets a field (a rule) added after this module."""
    for obj in (problem, problem.policy):
        for f in dataclasses.fields(obj):
            if f.name in KNOWN_INPUT[type(obj)]:
                continue
            default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
            if getattr(obj, f.name) != default:
                raise NotANetwork(f"the problem sets {type(obj).__name__}.{f.name}, which the flow does not know")


def check_known(enc: Encoding, levels: list[Level]) -> None:
    for cls, known in KNOWN_FIELDS.items():
        extra = {f.name for f in dataclasses.fields(cls)} - known
        if extra:
            raise NotANetwork(f"{cls.__name__} has fields the flow does not know: {sorted(extra)}")
    if enc.needs_mip:
        raise NotANetwork("minimum sizes or friends together are not a network")
    for level in levels:
        if level.w_coef.size and level.w_coef.any():
            raise NotANetwork(f"level {level.name!r} counts friend pairs")
        if np.any(level.y_coef < 0):
            raise NotANetwork(f"level {level.name!r} has a negative 'has a place' coefficient")


def build_network(enc: Encoding, levels: list[Level], first: list[str] | None = None,
                  fixed: dict[int, int] | None = None) -> Network:
    """The network of ``enc``, or ``NotANetwork``. When not all rows of a youth or an offer
    nest, those named in ``first`` are kept before the others, in that order. ``fixed``
    pairs (pair -> 0 or 1, from branching) leave every row, which keeps its limit less
    the fixed ones; ``Infeasible`` when that goes below zero."""
    check_known(enc, levels)
    fixed = fixed or {}
    by_youth, by_offer = _rows_by_owner(enc, _without(enc.rows, fixed) if fixed else enc.rows)
    builder = _Builder(enc, {name: n for n, name in enumerate(first or [])}, fixed)
    for i, pairs in enumerate(enc.youth_pairs):
        if pairs:
            builder.youth(i, pairs, by_youth.get(i, []))
    for j in range(len(enc.offer_ids)):
        builder.offer(j, by_offer.get(j, []))
    return builder.network()


class Infeasible(Exception):
    """A branch whose fixed pairs break a row, or whose network has no flow: nothing to find there."""


def _without(rows: tuple[Row, ...], fixed: dict[int, int]) -> list[Row]:
    out = []
    for row in rows:
        rest = tuple(k for k in row.pairs if k not in fixed)
        limit = row.limit - sum(fixed.get(k, 0) for k in row.pairs)
        if limit < 0:
            raise Infeasible(row.name)
        if rest:
            out.append(Row(row.name, rest, limit))
    return out


def _rows_by_owner(enc: Encoding, rows: tuple[Row, ...] | list[Row]) -> tuple[dict[int, list[Row]], dict[int, list[Row]]]:
    by_youth: dict[int, list[Row]] = {}
    by_offer: dict[int, list[Row]] = {}
    pair_youth, pair_offer = enc.pair_youth, enc.pair_offer
    for row in rows:
        kind = row.name.split("_", 1)[0]
        if kind in YOUTH_ROWS:
            owner, side, of = pair_youth[row.pairs[0]], by_youth, pair_youth
        elif kind in OFFER_ROWS:
            owner, side, of = pair_offer[row.pairs[0]], by_offer, pair_offer
        else:
            raise NotANetwork(f"row {row.name!r} is of a kind the flow does not know")
        if any(of[k] != owner for k in row.pairs):
            raise NotANetwork(f"row {row.name!r} spans more than one {'youth' if of is pair_youth else 'offer'}")
        side.setdefault(owner, []).append(row)
    return by_youth, by_offer


def laminar(rows: list[Row]) -> tuple[list[Row], list[Row]]:
    """(kept, left out): rows implied by another kept row (a superset with a limit no larger)
    are dropped; of the rest, each is kept if it nests with every row kept before it, in the
    order given (the caller lists first the rows that matter most)."""
    sets = [frozenset(r.pairs) for r in rows]
    useful = [n for n, r in enumerate(rows) if r.limit < len(sets[n]) and not any(
        m != n and sets[n] <= sets[m] and rows[m].limit <= r.limit and (sets[n] != sets[m] or
                                                                         (rows[m].limit, m) < (r.limit, n))
        for m in range(len(rows)))]
    kept: list[int] = []
    left: list[Row] = []
    for n in useful:
        s = sets[n]
        if all(not (s & sets[m]) or s <= sets[m] or sets[m] <= s for m in kept):
            kept.append(n)
        else:
            left.append(rows[n])
    return [rows[n] for n in kept], left


def _youth_order(row: Row) -> tuple[int, int]:
    """Places first (the youth's whole set), then jobs, then week cliques (largest first)."""
    kind = row.name.split("_", 1)[0]
    return ({"places": 0, "jobs": 1}.get(kind, 2), -len(row.pairs))


def _offer_order(row: Row) -> tuple[int, str]:
    return (-len(row.pairs), row.name)


class _Builder:
    def __init__(self, enc: Encoding, first: dict[str, int], fixed: dict[int, int]) -> None:
        self.enc = enc
        self.first = first
        self.fixed = fixed
        self.n_nodes = 2
        self.tail: list[int] = []
        self.head: list[int] = []
        self.upper: list[int] = []
        self.pair_from = np.full(enc.n_pairs, -1, dtype=np.int64)
        self.pair_to = np.full(enc.n_pairs, -1, dtype=np.int64)
        self.first_arc = np.full(len(enc.youth_ids), -1, dtype=np.int64)
        self.offer_root = np.full(len(enc.offer_ids), -1, dtype=np.int64)
        self.offer_pairs: list[list[int]] = [[] for _ in enc.offer_ids]
        for k, j in enumerate(enc.pair_offer):
            self.offer_pairs[j].append(k)
        self.left_out: list[Row] = []

    def node(self) -> int:
        self.n_nodes += 1
        return self.n_nodes - 1

    def arc(self, tail: int, head: int, upper: int) -> int:
        self.tail.append(tail)
        self.head.append(head)
        self.upper.append(upper)
        return len(self.tail) - 1

    def _tree(self, root: int, pairs: tuple[int, ...], rows: list[Row], inward: bool) -> dict[int, int]:
        """Nodes for the kept rows under ``root``; returns each pair's deepest node."""
        kept, left = laminar(sorted(rows, key=lambda r: self.first.get(r.name, len(self.first))))   # stable
        self.left_out += left
        label = dict.fromkeys(pairs, root)
        for row in sorted(kept, key=lambda r: -len(r.pairs)):   # parents before children
            node, parent = self.node(), label[row.pairs[0]]
            if inward:
                self.arc(node, parent, row.limit)
            else:
                self.arc(parent, node, row.limit)
            for k in row.pairs:
                label[k] = node
        return label

    def youth(self, i: int, pairs: tuple[int, ...], rows: list[Row]) -> None:
        root = self.node()
        self.first_arc[i] = self.arc(SOURCE, root, 1)
        self.arc(SOURCE, root, len(pairs))
        for k, node in self._tree(root, pairs, sorted(rows, key=_youth_order), inward=False).items():
            self.pair_from[k] = node

    def offer(self, j: int, rows: list[Row]) -> None:
        pairs = tuple(self.offer_pairs[j])
        root = self.node()
        self.arc(root, SINK, len(pairs))
        for k, node in self._tree(root, pairs, sorted(rows, key=_offer_order), inward=True).items():
            self.pair_to[k] = node
        self.offer_root[j] = root

    def network(self) -> Network:
        enc = self.enc
        pair_to = np.where(self.pair_to >= 0, self.pair_to, self.offer_root[np.asarray(enc.pair_offer, dtype=np.int64)])
        n_arcs = len(self.tail)
        tail = np.concatenate([np.asarray(self.tail, np.int64), self.pair_from, [SINK]])
        head = np.concatenate([np.asarray(self.head, np.int64), pair_to, [SOURCE]])
        upper = np.concatenate([np.asarray(self.upper, np.int64), np.ones(enc.n_pairs, np.int64),
                                [enc.n_pairs]])
        lower = np.zeros(upper.size, np.int64)
        pair_arc = np.arange(n_arcs, n_arcs + enc.n_pairs, dtype=np.int64)
        lower[pair_arc] = np.asarray(enc.pair_locked, dtype=np.int64)
        if self.fixed:
            ks = np.fromiter(self.fixed, dtype=np.int64)
            lower[pair_arc[ks]] = upper[pair_arc[ks]] = np.fromiter(self.fixed.values(), dtype=np.int64)
        return Network(self.n_nodes, tail.astype(np.int32), head.astype(np.int32), lower, upper, pair_arc,
                       self.first_arc, tuple(self.left_out))


class FlowBackend:
    """The engine's back end (``matching.solve_common.Backend``) on a network."""

    mip = False
    name = "flow"

    def __init__(self, network: Network) -> None:
        self.net = network
        self.flow = network.lower.copy()

    def _costs(self, x_coef: np.ndarray, y_coef: np.ndarray | None = None) -> np.ndarray:
        """Arc costs to minimise for maximising x_coef . x + y_coef . y (exact integers)."""
        net = self.net
        costs = np.zeros(net.tail.size, dtype=np.int64)
        costs[net.pair_arc] = -_exact(x_coef)
        if y_coef is not None:
            has = net.first_arc >= 0
            costs[net.first_arc[has]] = -_exact(y_coef)[has]
        return costs

    def _solve(self, costs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Optimal flow over the kept face; also the free arcs and their flows (for the potentials)."""
        net = self.net
        free = np.flatnonzero(net.lower < net.upper)
        flow, supply = _min_cost_circulation(net.n_nodes, net.tail, net.head, net.lower, net.upper, costs, free)
        self.flow = flow
        return flow, free, supply

    def solve_level(self, level: Level, deadline: float | None) -> LevelOutcome:
        start = time.perf_counter()
        costs = self._costs(level.x_coef, level.y_coef)
        flow, free, _ = self._solve(costs)
        raw = -int(costs @ flow)
        self._keep_optimal_face(costs, flow, free)
        return LevelOutcome(level.name, level.sign * raw, True, None, time.perf_counter() - start,
                            x=self.x_values(), lp=True)

    def x_values(self) -> np.ndarray:
        x: np.ndarray = self.flow[self.net.pair_arc].astype(np.float64)
        return x

    def _keep_optimal_face(self, costs: np.ndarray, flow: np.ndarray, free: np.ndarray) -> None:
        """Fix every free arc whose reduced cost is not zero at its flow (complementary slackness)."""
        net = self.net
        tail, head = net.tail[free], net.head[free]
        shifted, cap = flow[free] - net.lower[free], net.upper[free] - net.lower[free]
        potential = _potentials(net.n_nodes, tail, head, costs[free], shifted, cap)
        reduced = costs[free] + potential[tail] - potential[head]
        if np.any((reduced < 0) & (shifted < cap)) or np.any((reduced > 0) & (shifted > 0)):
            raise RuntimeError("the flow's potentials are not optimal; please report this problem file")
        fix = free[reduced != 0]
        net.lower[fix] = net.upper[fix] = flow[fix]

    # --- used by the lottery tie-break -------------------------------------------------
    def free_pairs(self) -> np.ndarray:
        arcs = self.net.pair_arc
        return np.flatnonzero(self.net.lower[arcs] < self.net.upper[arcs])

    def fix_pair(self, k: int, value: int) -> None:
        arc = self.net.pair_arc[k]
        self.net.lower[arc] = self.net.upper[arc] = value

    def maximize_pairs(self, x_coef: np.ndarray, deadline: float | None) -> tuple[float, np.ndarray] | None:
        if deadline is not None and time.perf_counter() >= deadline:
            return None
        costs = self._costs(x_coef)
        flow, _, _ = self._solve(costs)
        return float(-int(costs @ flow)), self.x_values()


def _exact(coef: np.ndarray) -> np.ndarray:
    whole: np.ndarray = np.rint(coef).astype(np.int64)
    if np.any(whole != coef):
        raise NotANetwork("a level's coefficients are not whole numbers")
    return whole


def _min_cost_circulation(n_nodes: int, tail: np.ndarray, head: np.ndarray, lower: np.ndarray,
                          upper: np.ndarray, costs: np.ndarray, free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flow on every arc (fixed arcs at their bound) and the supplies the lower bounds leave."""
    lo = lower.astype(np.float64)
    supply = (np.bincount(head, weights=lo, minlength=n_nodes) - np.bincount(tail, weights=lo, minlength=n_nodes))
    supply = np.rint(supply).astype(np.int64)
    # only the nodes of free arcs: later levels leave most of the network fixed
    nodes, ends = np.unique(np.concatenate([tail[free], head[free]]), return_inverse=True)
    if np.any(np.delete(supply, nodes)):
        raise RuntimeError("fixed arcs left a node unbalanced; please report this problem file")
    smcf = SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(ends[:free.size].astype(np.int32), ends[free.size:].astype(np.int32),
                                              upper[free] - lower[free], costs[free])
    smcf.set_nodes_supplies(np.arange(nodes.size, dtype=np.int32), supply[nodes])
    status = smcf.solve()
    if status == SimpleMinCostFlow.INFEASIBLE:
        raise Infeasible("no flow")
    if status != SimpleMinCostFlow.OPTIMAL:
        raise NotANetwork(f"OR-Tools' min-cost flow ended with status {status}")
    flow = lower.copy()
    flow[free] += np.asarray(smcf.flows(np.arange(free.size, dtype=np.int32)), dtype=np.int64)
    return flow, supply


#: Rounds of Bellman-Ford before the potentials are found as a flow instead (measured on the
#: benchmark: 1 to 50 rounds, each a few milliseconds).
BELLMAN_FORD_ROUNDS = 500


def _potentials(n_nodes: int, tail: np.ndarray, head: np.ndarray, costs: np.ndarray,
                flow: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Shortest distances in the residual graph from a root joined to every node at cost 0.

    The residual graph of an optimal flow has no negative cycle, so these distances exist
    and are an optimal dual of the flow problem. Bellman-Ford, every arc at once with
    numpy, needs one round per arc on the longest shortest path; past
    ``BELLMAN_FORD_ROUNDS`` rounds they are found as a min-cost flow instead.
    """
    fwd, bwd = flow < cap, flow > 0
    r_tail = np.concatenate([tail[fwd], head[bwd]]).astype(np.int64)
    r_head = np.concatenate([head[fwd], tail[bwd]]).astype(np.int64)
    r_cost = np.concatenate([costs[fwd], -costs[bwd]]).astype(np.int64)
    dist = np.zeros(n_nodes, np.int64)
    for _ in range(BELLMAN_FORD_ROUNDS):
        shorter = dist.copy()
        np.minimum.at(shorter, r_head, dist[r_tail] + r_cost)
        if np.array_equal(shorter, dist):
            return dist
        dist = shorter
    return _potentials_by_flow(n_nodes, r_tail, r_head, r_cost)


def _potentials_by_flow(n_nodes: int, r_tail: np.ndarray, r_head: np.ndarray, r_cost: np.ndarray) -> np.ndarray:
    """The same distances as a min-cost flow, exactly, by OR-Tools: the root sends one unit
    to every node; each distance is then summed along the arcs that carry that flow, which
    are tight (complementary slackness)."""
    root = n_nodes
    r_tail = np.concatenate([r_tail, np.full(n_nodes, root)]).astype(np.int32)
    r_head = np.concatenate([r_head, np.arange(n_nodes)]).astype(np.int32)
    r_cost = np.concatenate([r_cost, np.zeros(n_nodes, np.int64)])
    smcf = SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(r_tail, r_head, np.full(r_tail.size, n_nodes, np.int64), r_cost)
    supply = np.full(n_nodes + 1, -1, np.int64)
    supply[root] = n_nodes
    smcf.set_nodes_supplies(np.arange(n_nodes + 1, dtype=np.int32), supply)
    status = smcf.solve()
    if status != SimpleMinCostFlow.OPTIMAL:
        raise NotANetwork(f"OR-Tools' shortest paths ended with status {status}")
    used = np.asarray(smcf.flows(np.arange(r_tail.size, dtype=np.int32))) > 0
    distances: np.ndarray = _distances_along(n_nodes + 1, root, r_tail[used], r_head[used], r_cost[used])
    return distances[:n_nodes]


def _distances_along(n_nodes: int, root: int, tail: np.ndarray, head: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Breadth-first from ``root`` over tight arcs, adding up their costs."""
    order = np.argsort(tail, kind="stable")
    tail, head, cost = tail[order], head[order], cost[order]
    start = np.searchsorted(tail, np.arange(n_nodes + 1))
    dist = np.zeros(n_nodes, np.int64)
    seen = np.zeros(n_nodes, bool)
    seen[root] = True
    frontier = np.array([root], np.int64)
    while frontier.size:
        counts = start[frontier + 1] - start[frontier]
        arcs = np.repeat(start[frontier] - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts) + np.arange(counts.sum())
        arcs = arcs[~seen[head[arcs]]]
        nodes, first = np.unique(head[arcs], return_index=True)
        arcs = arcs[first]
        dist[nodes] = dist[tail[arcs]] + cost[arcs]
        seen[nodes] = True
        frontier = nodes
    if not seen.all():
        raise RuntimeError("the shortest-path flow does not reach every node; please report this problem file")
    return dist


@dataclass
class FlowAnswer:
    """What the engine reports: the levels of the answer's network, its allocation, its tie-break."""
    outcomes: list[LevelOutcome]
    x: np.ndarray | None
    decided: int
    finished: bool
    keeps_rows: bool              #: False only for a relaxation's allocation cut short by the time limit
    networks: int                 #: networks solved: 1 unless a row left out was broken
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class _Node:
    """One network solved: a part of the problem (its fixed pairs), and its answer."""
    answer: FlowAnswer
    raw: tuple[int, ...]           #: level values as maximised
    broken: list[Row]
    cut: bool
    fixed: dict[int, int]
    first: list[str]
    lottery_order: bytes           #: the allocation's 0/1 vector in the tie-break's order

    @property
    def bound(self) -> tuple[tuple[int, ...], bytes]:
        """No allocation of this part keeping every row is better (levels, then lottery order)."""
        return self.raw, self.lottery_order

    @property
    def order_key(self) -> tuple[tuple[int, ...], bytes]:
        """Ascending = best bound first (for heapq)."""
        return tuple(-v for v in self.raw), bytes(1 - b for b in self.lottery_order)


def optimise(enc: Encoding, levels: list[Level], deadline: float | None,
             progress: Callable[[int, str], None] | None = None) -> FlowAnswer:
    """Every level as a flow, then the tie-break; ``NotANetwork`` when that cannot be done.

    When rows left out are broken by the allocation, the same problem is solved once more
    keeping those rows first; if that breaks rows too, it is split on a pair of a broken row
    (the pair fixed to 1, and to 0): the two parts cover every allocation, and each is a
    relaxation again. A part's relaxed level values, then its allocation's place in lottery
    order (the tie-break's), bound what any allocation in it can reach: parts are split best
    bound first, until no part's bound is above the best allocation found that keeps every
    row. So the answer is the one HiGHS finds: the best level values, and of those the
    first in lottery order.
    """
    check_known(enc, levels)
    order = np.lexsort((np.arange(enc.n_pairs), np.asarray(enc.pair_rank),
                        np.asarray(enc.lottery, dtype=np.int64)[np.asarray(enc.pair_youth, dtype=np.int64)]))
    membership = np.bincount(np.concatenate([np.asarray(r.pairs, np.int64) for r in enc.rows] or [np.zeros(0, np.int64)]),
                             minlength=enc.n_pairs)
    solved: list[_Node] = []

    def run(fixed: dict[int, int], first: list[str]) -> _Node | None:
        if len(solved) == MAX_NETWORKS:
            raise NotANetwork(f"the flow's allocations break rows it left out in more than {MAX_NETWORKS} networks")
        try:
            node = _solve_node(enc, levels, fixed, first, deadline, progress, order)
        except Infeasible:
            if not fixed:
                raise NotANetwork("OR-Tools found no flow") from None
            return None
        solved.append(node)
        if (node.cut or not node.answer.finished) and (len(solved) > 1 or node.broken and not node.cut):
            raise _TimeUp
        return node

    try:
        root = run({}, [])
        assert root is not None
        if root.cut or not root.answer.finished:
            root.answer.keeps_rows = not root.broken     # a cut network has kept its rows already
            return _answer(root, solved)
        return _split(root, run, membership, solved)
    except _TimeUp:
        return _cut_at_first_level(levels, solved[0], solved)


class _TimeUp(Exception):
    """The time limit struck after the first network, whose allocation breaks a row."""


def _cut_at_first_level(levels: list[Level], root: _Node, solved: list[_Node]) -> FlowAnswer:
    """The first level that is not empty cut short, with the first network's value as its bound
    (a relaxation's, so an upper bound): the engine then gives the greedy allocation."""
    outcomes = []
    for level, outcome in zip(levels, root.answer.outcomes, strict=False):
        if not level.is_empty:
            outcomes.append(LevelOutcome(level.name, None, False, None if outcome.value is None else float(outcome.value), 0.0))
            break
        outcomes.append(outcome)
    answer = _answer(root, solved)
    return FlowAnswer(outcomes, None, 0, False, False, len(solved), answer.timings)


def _split(root: _Node, run: Callable[[dict[int, int], list[str]], _Node | None], membership: np.ndarray,
           solved: list[_Node]) -> FlowAnswer:
    """The retry, then parts best bound first (see ``optimise``); ``solved`` is filled by ``run``."""
    if root.broken:
        root = run({}, [r.name for r in root.broken]) or root
    best: _Node | None = None if root.broken else root
    parts: list[tuple[tuple[tuple[int, ...], bytes], int, _Node]] = []
    count = itertools.count()      # first in, first out among parts of equal bound
    if root.broken:
        heapq.heappush(parts, (root.order_key, next(count), root))
    while parts and (best is None or parts[0][2].bound > best.bound):
        part = heapq.heappop(parts)[2]
        k = _branch_pair(part.broken[0], part.answer.x, membership)
        for value in (1, 0):
            child = run({**part.fixed, k: value}, part.first)
            if child is None or (best is not None and child.bound <= best.bound):
                continue
            if child.broken:
                heapq.heappush(parts, (child.order_key, next(count), child))
            else:
                best = child
    if best is None:
        raise NotANetwork("no part of the problem has an allocation the flow can find")
    return _answer(best, solved)


def _answer(best: _Node, solved: list[_Node]) -> FlowAnswer:
    timings: dict[str, float] = {}
    for n, node in enumerate(solved, start=1):
        if node is not best:
            timings.update({f"network {n}, {k}": v for k, v in node.answer.timings.items()})
    best.answer.timings = {**timings, **best.answer.timings}
    best.answer.networks = len(solved)
    return best.answer


def _keep_rows(enc: Encoding, x: np.ndarray, broken: list[Row]) -> np.ndarray:
    """``x`` less placements, so that it keeps the rows it breaks: in each, the locked and
    then the best-ranked placements up to the limit stay (for an allocation cut short)."""
    x = x.copy()
    for row in broken:
        placed = sorted((k for k in row.pairs if x[k]), key=lambda k: (not enc.pair_locked[k], enc.pair_rank[k], k))
        x[placed[row.limit:]] = 0
    return x


def _branch_pair(row: Row, x: np.ndarray | None, membership: np.ndarray) -> int:
    """A pair of the broken row that the allocation places, in as many rows as possible
    (where the row crosses another, so that fixing it makes the two nest)."""
    assert x is not None
    placed = [k for k in row.pairs if x[k] > 0.5]
    return max(placed, key=lambda k: (membership[k], -k))


def _solve_node(enc: Encoding, levels: list[Level], fixed: dict[int, int], first: list[str],
                deadline: float | None, progress: Callable[[int, str], None] | None, order: np.ndarray) -> _Node:
    """One network: every level in order, then the tie-break, each timed."""
    start = time.perf_counter()
    network = build_network(enc, levels, first, fixed)
    backend = FlowBackend(network)
    timings = {"network": round(time.perf_counter() - start, 3)}
    outcomes: list[LevelOutcome] = []
    x, any_solved = np.zeros(enc.n_pairs), False
    for n, level in enumerate(levels):
        if progress:
            progress(n, level.name)
        if level.is_empty:
            outcomes.append(LevelOutcome(level.name, 0, True, None, 0.0))
            continue
        if deadline is not None and time.perf_counter() >= deadline:
            outcomes.append(LevelOutcome(level.name, None, False, None, 0.0))
            kept = _keep_rows(enc, np.rint(x).astype(np.int64), network.broken_rows(np.rint(x).astype(np.int64)))
            answer = FlowAnswer(outcomes, kept if any_solved else None, 0, False, True, 1, timings)
            return _Node(answer, (), [], True, fixed, first, b"")
        outcome = backend.solve_level(level, deadline)
        outcomes.append(outcome)
        timings[f"level {n + 1}: {level.name}"] = round(outcome.seconds, 3)
        x, any_solved = (outcome.x, True) if outcome.x is not None else (x, any_solved)
    start = time.perf_counter()
    xi, decided, finished = pin_unique(backend, enc, x, deadline)
    timings["tie_break"] = round(time.perf_counter() - start, 3)
    raw = tuple(level.sign * int(o.value or 0) for level, o in zip(levels, outcomes, strict=True))
    answer = FlowAnswer(outcomes, xi, decided, finished, True, 1, timings)
    return _Node(answer, raw, network.broken_rows(xi), False, fixed, first, xi[order].astype(np.uint8).tobytes())
