"""Model: the encoding as a PuLP problem, every constraint named.

Variables: ``x_<k>`` (pair k is placed, 0/1) and ``y_<i>`` (youth i has at least one
place, 0/1, needed by the counting levels). Constraint names: ``capacity_<offer index>``,
``weeks_<youth index>_<n>``, ``places_<youth index>``, ``jobs_<youth index>``,
``apart_<group index>_<offer index>``, ``placed_<youth index>`` (y_i <= sum of x_k).

Beyond packing (``Encoding.needs_mip``): an offer with a minimum size gets ``z_<offer>``
(it runs, 0/1) with ``minimum_<offer>`` (least * z <= sum of its x) and ``opens_<pair>``
(x_k <= z); a friend pair p gets ``w_<p>`` (together, 0/1) and, per offer n they could
share, ``t_<p>_<n>`` with ``together_<p>_<n>_a`` / ``_b`` (t <= each friend's x) and
``friends_<p>`` (w <= sum of its t). Only "friend pairs together" puts a cost on w.

Each row is built as one ``LpAffineExpression`` from a list of (variable, coefficient)
tuples and all rows are added in one ``extend`` call: only a little faster than PuLP's
usual ``lpSum`` and ``+=`` (README, "Model building": 0.92 s against 1.20 s at 20,000
youths); most of the time goes into PuLP creating its objects either way.
"""
from __future__ import annotations

from dataclasses import dataclass

import pulp

from matching.encoder import Encoding


@dataclass(frozen=True)
class Model:
    problem: pulp.LpProblem
    x: tuple[pulp.LpVariable, ...]          #: one per pair, in pair order
    y: dict[int, pulp.LpVariable]           #: youth index -> variable, youths with a pair only
    w: tuple[pulp.LpVariable, ...] = ()     #: one per friend pair, in ``Encoding.friend_pairs`` order
    #: More than packing rows (``Encoding.needs_mip``): LP vertices are often fractional.
    needs_mip: bool = False


def build_model(enc: Encoding) -> Model:
    prob = pulp.LpProblem("allocation", pulp.LpMaximize)
    x = _pair_variables(prob, enc)
    youths = [i for i, ps in enumerate(enc.youth_pairs) if ps]
    y_vars = prob.add_variable_dict("y", youths, 0, 1, pulp.LpInteger)
    rows: dict[str, pulp.LpConstraint] = {}
    for row in enc.rows:
        expr = pulp.LpAffineExpression([(x[k], 1) for k in row.pairs])
        rows[row.name] = pulp.LpConstraint(expr, pulp.LpConstraintLE, row.name, row.limit)
    for i in youths:
        terms = [(y_vars[i], 1)] + [(x[k], -1) for k in enc.youth_pairs[i]]
        name = f"placed_{i}"
        rows[name] = pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintLE, name, 0)
    _minimum_rows(prob, enc, x, rows)
    w = _friend_rows(prob, enc, x, rows)
    prob.extend(rows)
    prob.setObjective(pulp.LpAffineExpression([(v, 1) for v in y_vars.values()]))
    return Model(prob, x, y_vars, w, enc.needs_mip)


def _le(rows: dict[str, pulp.LpConstraint], name: str, terms: list[tuple[pulp.LpVariable, int]]) -> None:
    rows[name] = pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintLE, name, 0)


def _minimum_rows(prob: pulp.LpProblem, enc: Encoding, x: tuple[pulp.LpVariable, ...],
                  rows: dict[str, pulp.LpConstraint]) -> None:
    z = prob.add_variable_dict("z", [m.offer for m in enc.min_sizes], 0, 1, pulp.LpInteger)
    for m in enc.min_sizes:
        _le(rows, f"minimum_{m.offer}", [(z[m.offer], m.least)] + [(x[k], -1) for k in m.pairs])
        for k in m.pairs:
            _le(rows, f"opens_{k}", [(x[k], 1), (z[m.offer], -1)])


def _friend_rows(prob: pulp.LpProblem, enc: Encoding, x: tuple[pulp.LpVariable, ...],
                 rows: dict[str, pulp.LpConstraint]) -> tuple[pulp.LpVariable, ...]:
    w = prob.add_variable_dict("w", list(range(len(enc.friend_pairs))), 0, 1, pulp.LpInteger)
    for p, pair in enumerate(enc.friend_pairs):
        t = prob.add_variable_dict(f"t_{p}", list(range(len(pair.shared))), 0, 1, pulp.LpInteger)
        for n, (ka, kb) in enumerate(pair.shared):
            _le(rows, f"together_{p}_{n}_a", [(t[n], 1), (x[ka], -1)])
            _le(rows, f"together_{p}_{n}_b", [(t[n], 1), (x[kb], -1)])
        _le(rows, f"friends_{p}", [(w[p], 1)] + [(t[n], -1) for n in t])
    return tuple(w[p] for p in range(len(enc.friend_pairs)))


def _pair_variables(prob: pulp.LpProblem, enc: Encoding) -> tuple[pulp.LpVariable, ...]:
    """Locked pairs get lower bound 1: a lock is a fixed decision, not a preference."""
    free = prob.add_variable_dict("x", [k for k in range(enc.n_pairs) if not enc.pair_locked[k]],
                                  0, 1, pulp.LpInteger)
    fixed = prob.add_variable_dict("x", [k for k in range(enc.n_pairs) if enc.pair_locked[k]],
                                   1, 1, pulp.LpInteger)
    return tuple(free[k] if k in free else fixed[k] for k in range(enc.n_pairs))
