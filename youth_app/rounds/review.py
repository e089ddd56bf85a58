"""Figures of one allocation, read from its stored problem and result.

Everything here works on the youth-allocation/1 dictionaries, so the review of a run,
its lottery baseline (``rsd``) and the season report all count the same way.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import matching

NO_TIER = "none"
DIMENSIONS = ("tier", "district", "gender", "age")


@dataclass
class Figures:
    applicants: int = 0
    placed: int = 0
    places: int = 0
    first_choices: int = 0
    by_rank: dict = field(default_factory=dict)
    #: dimension -> [(value, applicants, placed)]
    groups: dict = field(default_factory=dict)
    #: [(offer id, capacity, filled)] for offers with free places
    unfilled_offers: list = field(default_factory=list)
    #: [(week, free places)]
    unfilled_weeks: list = field(default_factory=list)

    @property
    def unplaced(self) -> int:
        return self.applicants - self.placed

    @property
    def placed_share(self) -> float:
        return self.placed / self.applicants if self.applicants else 0.0


def _tier(youth: dict, tiers: list[str]) -> str:
    return next((t for t in tiers if t in youth.get("groups", [])), NO_TIER)


def group_value(youth: dict, dimension: str, tiers: list[str]) -> str:
    if dimension == "tier":
        return _tier(youth, tiers)
    return str(youth.get(dimension) or "unknown")


def figures(problem: dict, result: dict) -> Figures:
    tiers = problem["policy"].get("priority_tiers", [])
    assignments = result["assignments"]
    placed_ids = {a["youth"] for a in assignments}
    fig = Figures(applicants=len(problem["youths"]), placed=len(placed_ids),
                  places=len(assignments))
    ranks = Counter(a["rank"] for a in assignments)
    fig.by_rank = {rank: ranks[rank] for rank in sorted(r for r in ranks if r is not None)}
    fig.first_choices = ranks.get(1, 0)
    if ranks.get(None):
        fig.by_rank["-"] = ranks[None]
    fig.groups = {d: _groups(problem["youths"], placed_ids, d, tiers) for d in DIMENSIONS}
    _unfilled(fig, problem, assignments)
    return fig


def _groups(youths, placed_ids, dimension, tiers) -> list[tuple[str, int, int]]:
    applicants: Counter[str] = Counter()
    placed: Counter[str] = Counter()
    for youth in youths:
        value = group_value(youth, dimension, tiers)
        applicants[value] += 1
        placed[value] += youth["id"] in placed_ids
    order = tiers + [NO_TIER] if dimension == "tier" else sorted(
        applicants, key=lambda v: (len(v), v) if dimension == "age" else v)
    return [(v, applicants[v], placed[v]) for v in order if applicants[v] or dimension == "tier"]


def _unfilled(fig: Figures, problem: dict, assignments: list[dict]) -> None:
    filled = Counter(a["offer"] for a in assignments)
    free_by_week: defaultdict[str, int] = defaultdict(int)
    for offer in problem["offers"]:
        free = offer["capacity"] - filled[offer["id"]]
        if free > 0:
            fig.unfilled_offers.append((offer["id"], offer["capacity"], filled[offer["id"]]))
            for week in offer["weeks"]:
                free_by_week[week] += free
    fig.unfilled_weeks = sorted(free_by_week.items())


def baseline(problem: dict) -> Figures:
    """The same problem allocated by random serial dictatorship on the same lottery."""
    loaded = matching.load_problem(problem)
    return figures(problem, matching.solve(loaded, method="rsd").to_dict(timings=False))


def difference(before: dict | None, after: dict, names: dict[str, str]) -> dict:
    """Which places a re-run gave and took away, compared with the run before it, with
    each youth as ``names`` calls them (staff references: never the pseudonyms)."""
    if before is None:
        return {"added": [], "removed": []}
    old = {(names[a["youth"]], a["offer"]) for a in before["assignments"]}
    new = {(names[a["youth"]], a["offer"]) for a in after["assignments"]}
    return {"added": sorted(new - old), "removed": sorted(old - new)}
