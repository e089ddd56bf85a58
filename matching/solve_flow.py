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

Rows that are not laminar with the rest (a week clique crossing the jobs row, say) are
left out and checked at the end (``Network.violated``): the flow then solves a relaxation,
and if its final allocation keeps every left-out row, it is the exact answer too (each
level's relaxed optimum is an upper bound the allocation reaches, and the relaxed final
face, which holds the exact one, has it as its first in lottery order). Otherwise the
engine solves the problem with HiGHS instead. Anything the flow does not know (another
kind of row, a field the encoding gained, a negative y cost) is declined up front by
raising ``NotANetwork``.

Why each level is exact. Each level is a min-cost circulation with integer costs (the
level's coefficients, negated), solved exactly by OR-Tools. Node potentials, the
shortest distances in the residual graph (found with one more min-cost flow, see
``_potentials``), are an optimal dual; by complementary slackness the level's optimal
face is the current network with every arc of nonzero reduced cost fixed at its flow,
so those arcs are fixed (lower bound = upper bound) before the next level. This is the
face the HiGHS back end keeps, so the tie-break (``matching.tiebreak``) picks the same
allocation through ``free_pairs``/``fix_pair``/``maximize_pairs``.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

from matching.encoder import Encoding, Row
from matching.levels import Level
from matching.solve_common import LevelOutcome

YOUTH_ROWS = ("weeks", "places", "jobs")
OFFER_ROWS = ("capacity", "apart")
#: The encoding, row and level fields this module understands; a new one means a new rule.
KNOWN_FIELDS = {
    Encoding: {"youth_ids", "offer_ids", "lottery", "tier", "tiers", "pair_youth", "pair_offer", "pair_rank",
               "pair_locked", "youth_pairs", "rows", "max_rank"},
    Row: {"name", "pairs", "limit"},
    Level: {"name", "x_coef", "y_coef", "sign", "method"},
}
SOURCE, SINK = 0, 1
#: Rounds of relaxation before the engine turns to HiGHS: each round keeps the rows the
#: round before it left out and broke (on the benchmark, at most one row breaks in round 1).
FLOW_ROUNDS = 3


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

    def violated(self, x: np.ndarray) -> list[str]:
        """Names of the left-out rows that ``x`` breaks."""
        return [row.name for row in self.left_out if int(x[list(row.pairs)].sum()) > row.limit]


def check_known(enc: Encoding, levels: list[Level]) -> None:
    for cls, known in KNOWN_FIELDS.items():
        extra = {f.name for f in dataclasses.fields(cls)} - known
        if extra:
            raise NotANetwork(f"{cls.__name__} has fields the flow does not know: {sorted(extra)}")
    for level in levels:
        if np.any(level.y_coef < 0):
            raise NotANetwork(f"level {level.name!r} has a negative 'has a place' coefficient")


def build_network(enc: Encoding, levels: list[Level], first: list[str] | None = None) -> Network:
    """The network of ``enc``, or ``NotANetwork``. When not all rows of a youth or an offer
    nest, those named in ``first`` are kept before the others, in that order."""
    check_known(enc, levels)
    by_youth, by_offer = _rows_by_owner(enc)
    builder = _Builder(enc, {name: n for n, name in enumerate(first or [])})
    for i, pairs in enumerate(enc.youth_pairs):
        if pairs:
            builder.youth(i, pairs, by_youth.get(i, []))
    for j in range(len(enc.offer_ids)):
        builder.offer(j, by_offer.get(j, []))
    return builder.network()


def _rows_by_owner(enc: Encoding) -> tuple[dict[int, list[Row]], dict[int, list[Row]]]:
    by_youth: dict[int, list[Row]] = {}
    by_offer: dict[int, list[Row]] = {}
    pair_youth, pair_offer = enc.pair_youth, enc.pair_offer
    for row in enc.rows:
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
    def __init__(self, enc: Encoding, first: dict[str, int]) -> None:
        self.enc = enc
        self.first = first
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
        capacity = [r for r in rows if r.name.startswith("capacity")]
        self.arc(root, SINK, capacity[0].limit if capacity else len(pairs))
        others = sorted((r for r in rows if not r.name.startswith("capacity")), key=_offer_order)
        for k, node in self._tree(root, pairs, others, inward=True).items():
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
