"""Model: the encoding as a PuLP problem, every constraint named.

Variables: ``x_<k>`` (pair k is placed, 0/1) and ``y_<i>`` (youth i has at least one
place, 0/1, needed by the counting levels). Constraint names: ``capacity_<offer index>``,
``weeks_<youth index>_<n>``, ``places_<youth index>``, ``jobs_<youth index>``,
``apart_<group index>_<offer index>``, ``placed_<youth index>`` (y_i <= sum of x_k).

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
    prob.extend(rows)
    prob.setObjective(pulp.LpAffineExpression([(v, 1) for v in y_vars.values()]))
    return Model(prob, x, y_vars)


def _pair_variables(prob: pulp.LpProblem, enc: Encoding) -> tuple[pulp.LpVariable, ...]:
    """Locked pairs get lower bound 1: a lock is a fixed decision, not a preference."""
    free = prob.add_variable_dict("x", [k for k in range(enc.n_pairs) if not enc.pair_locked[k]],
                                  0, 1, pulp.LpInteger)
    fixed = prob.add_variable_dict("x", [k for k in range(enc.n_pairs) if enc.pair_locked[k]],
                                   1, 1, pulp.LpInteger)
    return tuple(free[k] if k in free else fixed[k] for k in range(enc.n_pairs))
