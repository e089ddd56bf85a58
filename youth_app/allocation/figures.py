"""The figures of an allocation: the one place that counts them, and hides small counts.

Three readers see figures of a run. Staff review a run before its offers go out
(``run_review``); everyone sees a published round's figures on its public page
(``public``); administrators read the season report (``season``). All of them count
through ``matching.statistics`` and ``matching.group_of``, on the typed problem and
result, so a youth is in the same group on every page.

A run's review (its figures and those of the lottery baseline, random serial
dictatorship on the same lottery) is counted once, by the worker that solved it, and
stored with the run (``AllocationRun.review``); runs stored before that are counted at
their first view and stored then.

Small counts are hidden here, in Python, by who reads them (``Viewer``), never in a
template: a count under ``SMALL`` could point at a person, and where a table hides one
count it hides the next smallest too, so none can be worked out by subtraction
(``shown_column``). Social services see every count; administrators see every count
except those by priority group; the public sees no count under ``SMALL`` at all.
"""
from __future__ import annotations

import enum
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

import sqlalchemy as sa

import matching

from ..extensions import db
from ..facts import SMALL
from ..models import AllocationRun, Offer, Placement, PlacementState, Role, Round, RunStatus
from . import outcomes
from . import problem as problems

DIMENSIONS = matching.DIMENSIONS
NO_TIER = matching.NO_TIER

#: (group, applied, placed); a count is ``None`` where it is hidden.
GroupRow = tuple[str, int | None, int | None]


class Viewer(enum.Enum):
    """Who reads the figures, which decides which counts are hidden."""
    SOCIAL_SERVICES = "social_services"
    ADMINISTRATOR = "administrator"
    PUBLIC = "public"

    @classmethod
    def of(cls, user) -> Viewer:
        """Social services for a caseworker, administrator for one; anyone else: public."""
        role = getattr(user, "role", None)
        if role is None:
            return cls.PUBLIC
        return {Role.CASEWORKER: cls.SOCIAL_SERVICES,
                Role.ADMINISTRATOR: cls.ADMINISTRATOR}.get(role, cls.PUBLIC)


def shown(count: int | None) -> int | None:
    """``None`` stands for "fewer than ``SMALL``"."""
    return count if count is not None and count >= SMALL else None


def shown_column(counts: Sequence[int | None]) -> list[int | None]:
    """A column of counts that add up to a known total, with small ones hidden so that
    none can be worked out by subtraction either: where only one count is hidden, the
    next smallest is hidden too (secondary suppression)."""
    column = [shown(c) for c in counts]
    if column.count(None) == 1 and len(column) > 1:
        smallest = min((c, i) for i, c in enumerate(column) if c is not None)[1]
        column[smallest] = None
    return column


def shown_rows(rows: Sequence[tuple[str, int | None, int | None]]
               ) -> list[tuple[str, int | None, int | None]]:
    """(group, applied, placed) rows with each column hidden by ``shown_column``."""
    applied = shown_column([row[1] for row in rows])
    placed = shown_column([row[2] for row in rows])
    return [(row[0], a, p) for row, a, p in zip(rows, applied, placed)]


@dataclass(frozen=True)
class Figures:
    """What one allocation did, in counts."""
    applicants: int | None = 0
    placed: int | None = 0
    places: int | None = 0
    first_choices: int | None = 0
    #: [(rank, places)], ranks in order; ``"-"`` for places given by a decision
    by_rank: list[tuple[str, int | None]] = field(default_factory=list)
    #: dimension -> [(group, applied, placed)]
    groups: dict[str, list[GroupRow]] = field(default_factory=dict)
    #: [(offer key, capacity, filled)] for offers with free places
    unfilled_offers: list[tuple[str, int, int]] = field(default_factory=list)
    #: [(week, free places)]
    unfilled_weeks: list[tuple[str, int]] = field(default_factory=list)

    @property
    def unplaced(self) -> int | None:
        if self.applicants is None or self.placed is None:
            return None
        return self.applicants - self.placed

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Figures:
        return cls(applicants=data["applicants"], placed=data["placed"],
                   places=data["places"], first_choices=data["first_choices"],
                   by_rank=[tuple(r) for r in data["by_rank"]],
                   groups={d: [tuple(r) for r in rows] for d, rows in data["groups"].items()},
                   unfilled_offers=[tuple(r) for r in data["unfilled_offers"]],
                   unfilled_weeks=[tuple(r) for r in data["unfilled_weeks"]])

    def for_viewer(self, viewer: Viewer) -> Figures:
        """These figures as ``viewer`` may read them."""
        if viewer is Viewer.SOCIAL_SERVICES:
            return self
        if viewer is Viewer.ADMINISTRATOR:
            return replace(self, groups={**self.groups, "tier": shown_rows(self.groups["tier"])})
        ranks = shown_column([count for _rank, count in self.by_rank])
        return Figures(applicants=shown(self.applicants), placed=shown(self.placed),
                       places=shown(self.places), first_choices=shown(self.first_choices),
                       by_rank=[(rank, count) for (rank, _c), count in zip(self.by_rank, ranks)],
                       groups={d: shown_rows(rows) for d, rows in self.groups.items()})


def count(problem: matching.Problem, result: matching.Result) -> Figures:
    """The figures of ``result``, an allocation of ``problem``."""
    stats = matching.statistics(problem, result.assignments)
    by_rank = [("-" if rank == "unranked" else rank, places)
               for rank, places in stats["by_rank"].items()]
    tiers = list(problem.policy.priority_tiers)
    offers, weeks = _unfilled(problem, result)
    return Figures(applicants=stats["applicants"], placed=stats["placed"],
                   places=stats["places"], first_choices=stats["by_rank"].get("1", 0),
                   by_rank=by_rank,
                   groups={d: _rows(stats[f"by_{d}"], d, tiers) for d in DIMENSIONS},
                   unfilled_offers=offers, unfilled_weeks=weeks)


def _rows(rates: dict[str, dict], dimension: str, tiers: list[str]) -> list[GroupRow]:
    """A dimension's groups in reading order; every tier of the policy, even if empty."""
    if dimension == "tier":
        values = [*tiers, NO_TIER]
    else:
        values = sorted(rates, key=_order(dimension, tiers))
    empty = {"applicants": 0, "placed": 0}
    return [(v, rates.get(v, empty)["applicants"], rates.get(v, empty)["placed"])
            for v in values]


def _order(dimension: str, tiers: list[str]):
    if dimension == "tier":
        return lambda v: tiers.index(v) if v in tiers else len(tiers)
    if dimension == "age":
        return lambda v: int(v) if v.isascii() and v.isdigit() else 999
    return lambda v: v


def _unfilled(problem: matching.Problem, result: matching.Result):
    filled = Counter(a.offer for a in result.assignments)
    offers: list[tuple[str, int, int]] = []
    free_by_week: defaultdict[str, int] = defaultdict(int)
    for offer in problem.offers:
        free = offer.capacity - filled[offer.id]
        if free > 0:
            offers.append((offer.id, offer.capacity, filled[offer.id]))
            for week in offer.weeks:
                free_by_week[week] += free
    return offers, sorted(free_by_week.items())


#: The two rules a round can share its places out by (``Round.method``): coverage first
#: (the optimiser, ``optimal``) and deferred acceptance (``stable``).
METHODS = ("optimal", "stable")


def review_of(problem: matching.Problem, result: matching.Result) -> dict:
    """What a run stores for its review: its figures and the lottery baseline's, the
    same problem allocated by random serial dictatorship on the same lottery; and both
    rules side by side on the same problem and lottery (the run's own, and the other one
    solved here), each with its justified envy counted exactly (``matching.envy``)."""
    baseline = matching.solve(problem, solver="highs", method="rsd")
    method = result.stats.get("method", "optimal")
    by_method = {method: result}
    for other in METHODS:
        if other not in by_method:
            by_method[other] = matching.solve(problem, solver="highs", method=other)
    return {"figures": count(problem, result).to_dict(),
            "baseline": count(problem, baseline).to_dict(),
            "proven": result.status is matching.Status.OPTIMAL,
            "methods": {name: {"figures": count(problem, solved).to_dict(),
                               "envy": matching.justified_envy(problem, solved).to_dict()}
                        for name, solved in by_method.items()}}


@dataclass(frozen=True)
class RuleFigures:
    """One rule's allocation of the run's problem, as the review compares them."""
    figures: Figures
    #: young people with justified envy: someone with lower priority holds a place
    #: they asked for and would take
    envious: int
    envious_unplaced: int


@dataclass(frozen=True)
class Rules:
    """Coverage first and stable, side by side, and what coverage first costs."""
    coverage: RuleFigures
    stable: RuleFigures

    @property
    def more_placed(self) -> int | None:
        """How many more youths coverage first places (``None``: a count is hidden)."""
        if self.coverage.figures.placed is None or self.stable.figures.placed is None:
            return None
        return self.coverage.figures.placed - self.stable.figures.placed

    @property
    def more_in_tiers(self) -> int | None:
        """Of them, in a priority group; ``None`` where a tier's count is hidden."""
        both = zip(self.coverage.figures.groups["tier"], self.stable.figures.groups["tier"])
        total = 0
        for (group, _a, placed), (_g, _b, placed_stable) in both:
            if group == NO_TIER:
                continue
            if placed is None or placed_stable is None:
                return None
            total += placed - placed_stable
        return total


def rules(run: AllocationRun, viewer: Viewer) -> Rules | None:
    """The two rules' figures for ``viewer``, if the run's review holds them (runs
    stored before the comparison have none)."""
    methods = (run.review or {}).get("methods")
    if not methods or set(methods) != set(METHODS):
        return None

    def rule(name: str) -> RuleFigures:
        envy = methods[name]["envy"]
        return RuleFigures(Figures.from_dict(methods[name]["figures"]).for_viewer(viewer),
                           envy["youths"], envy["unplaced"])
    return Rules(coverage=rule("optimal"), stable=rule("stable"))


@dataclass(frozen=True)
class StoredReview:
    figures: Figures
    baseline: Figures


def stored_review(run: AllocationRun) -> StoredReview:
    """The run's stored review; counted and stored now for a run from before reviews
    were stored (the caller's unit of work commits it)."""
    if run.review is None:
        run.review = review_of(*typed(run))
    return StoredReview(Figures.from_dict(run.review["figures"]),
                        Figures.from_dict(run.review["baseline"]))


def typed(run: AllocationRun) -> tuple[matching.Problem, matching.Result]:
    problem = matching.load_problem(run.solved_problem)
    return problem, matching.load_result(run.solved_result, problem)


@dataclass(frozen=True)
class RunReview:
    """Everything the run page shows of a finished run, as its reader may see it."""
    figures: Figures
    baseline: Figures
    previous: Figures | None
    #: staff references of the youths placed nowhere, in order
    unplaced: list[str]
    #: what a re-run changed against the run before it: [(staff reference, offer key)]
    added: list[tuple[str, str]]
    removed: list[tuple[str, str]]
    #: offer key -> title
    offers: dict[str, str]
    #: coverage first and stable side by side (``None`` for runs stored before)
    rules: Rules | None = None


def run_review(run: AllocationRun, viewer: Viewer, unknown: str) -> RunReview:
    """The review of a succeeded run for ``viewer``; a youth whose account is gone is
    named ``unknown``."""
    stored = stored_review(run)
    previous = previous_run(run)
    names = outcomes.References(run.round_id, unknown)
    added, removed = _difference(previous, run, names)
    return RunReview(
        figures=stored.figures.for_viewer(viewer), baseline=stored.baseline.for_viewer(viewer),
        previous=stored_review(previous).figures.for_viewer(viewer) if previous else None,
        unplaced=outcomes.unplaced_references(run, names), added=added, removed=removed,
        offers=offer_titles(run.round_id), rules=rules(run, viewer))


def previous_run(run: AllocationRun) -> AllocationRun | None:
    return db.session.scalar(sa.select(AllocationRun).where(
        AllocationRun.round_id == run.round_id, AllocationRun.id < run.id,
        AllocationRun.status == RunStatus.SUCCEEDED).order_by(AllocationRun.id.desc()).limit(1))


def _difference(before: AllocationRun | None, after: AllocationRun,
                names: outcomes.References):
    """Which places a re-run gave and took away, with each youth as ``names`` calls them
    (staff references: never the pseudonyms): as counted when the run finished, or, for
    a run stored before that or whose previous run finished after it, counted now."""
    if before is None:
        return [], []
    counted = (after.review or {}).get("changes")
    if counted and counted["since"] == before.id:
        existing = outcomes.existing_youth_ids(
            [youth for youth, _offer in counted["added"] + counted["removed"]])

        def named(pairs: list) -> list[tuple[str, str]]:
            return sorted((problems.staff_reference(youth) if youth in existing
                           else names.unknown, offer) for youth, offer in pairs)

        return named(counted["added"]), named(counted["removed"])
    old, new = outcomes.place_pairs(before, names), outcomes.place_pairs(after, names)
    return sorted(new - old), sorted(old - new)


def changes_of(run: AllocationRun, result: matching.Result,
               youth_ids: dict[str, int]) -> dict | None:
    """What a re-run changed against the run before it, by youth id, counted once when it
    finishes (a city's two runs are 100,000 rows each: read on every view of the review
    they took 3 s): ``None`` for a first run, or one whose previous run's outcomes are
    not stored per youth."""
    before = previous_run(run)
    if before is None or not outcomes.stored(before.id):
        return None
    new = {(youth_ids.get(a.youth), a.offer) for a in result.assignments}
    old = set(outcomes.places(before.id))

    def ordered(pairs: set) -> list[list]:
        return [[youth, offer] for youth, offer in
                sorted(pairs, key=lambda pair: (pair[0] is None, pair[0] or 0, pair[1]))]

    return {"since": before.id, "added": ordered(new - old), "removed": ordered(old - new)}


def offer_titles(round_id: int) -> dict[str, str]:
    """Offer key -> title, for every offer of the round."""
    return {problems.offer_key(offer_id): title for offer_id, title in db.session.execute(
        sa.select(Offer.id, Offer.title).where(Offer.round_id == round_id))}


@dataclass(frozen=True)
class SeasonRow:
    group: str
    applied: int | None
    offered: int | None
    accepted: int | None

    @property
    def accepted_share(self) -> float | None:
        if self.applied is None or self.accepted is None:
            return None
        return round(100 * self.accepted / self.applied, 1)


def season(round_: Round, run: AllocationRun) -> dict[str, list[SeasonRow]]:
    """The season by dimension, from ``run`` (the latest published) and what youths
    answered since: applied, offered a place, accepted one; small counts hidden."""
    states = _states(round_)
    stored_groups = outcomes.groups(run.id)  # one row per youth, not the whole problem
    if stored_groups is not None:
        tiers = [group for group, *_counts in stored_review(run).figures.groups["tier"]
                 if group != NO_TIER]
        youths = stored_groups
    else:  # a run stored before its rows held the groups
        problem = matching.load_problem(run.solved_problem)
        tiers = list(problem.policy.priority_tiers)
        youth_ids = problems.youth_ids_by_key(round_.id)
        youths = [(youth_ids.get(youth.id),
                   {d: matching.group_of(problem, youth, d) for d in DIMENSIONS})
                  for youth in problem.youths]
    report = {}
    for dimension in DIMENSIONS:
        applied: Counter[str] = Counter()
        offered: Counter[str] = Counter()
        accepted: Counter[str] = Counter()
        for youth_id, their_groups in youths:  # youth_id None: removed since
            value = their_groups[dimension]
            youth_states = states.get(youth_id, set()) if youth_id is not None else set()
            applied[value] += 1
            offered[value] += bool(youth_states)
            accepted[value] += PlacementState.ACCEPTED in youth_states
        values = sorted(applied, key=_order(dimension, tiers))
        columns = [shown_column([counts[v] for v in values])
                   for counts in (applied, offered, accepted)]
        report[dimension] = [SeasonRow(v, *cells) for v, *cells in zip(values, *columns)]
    return report


def _states(round_: Round) -> dict[int, set[PlacementState]]:
    states: dict[int, set[PlacementState]] = {}
    for youth_id, state in db.session.execute(sa.select(Placement.youth_id, Placement.state)
                                              .where(Placement.round_id == round_.id,
                                                     Placement.state != PlacementState.PROPOSED)):
        states.setdefault(youth_id, set()).add(state)
    return states
