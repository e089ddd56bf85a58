"""Each youth's outcome of a run, stored per youth when the run's result is stored, so
that a youth's pages read one indexed row (``RunYouthResult``) instead of the whole run:
the same cost with 300 youths or 100,000."""
from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

import matching

from ..extensions import db
from ..models import AllocationRun, RunYouthResult, YouthProfile
from . import problem as problems

#: Rows per INSERT: 5,000 rows of 9 values stay far under PostgreSQL's 65,535 bind
#: parameters (and SQLite's 32,766), and keep each statement's memory small.
CHUNK = 5000


def store(run: AllocationRun, problem: matching.Problem, result: matching.Result,
          youth_ids: dict[str, int]) -> int:
    """Write every youth's outcome of ``run`` (in the transaction that stores its
    result); ``youth_ids`` maps pseudonyms to youths, as ``problem.youth_ids_by_key``.
    A youth who removed their account while it solved gets a row naming nobody, so that
    the rows hold what the result holds. Returns how many rows were written."""
    written, rows = 0, []
    for row in _rows(run.id, problem, result, youth_ids):
        rows.append(row)
        if len(rows) == CHUNK:
            written += _insert(rows)
            rows = []
    return written + (_insert(rows) if rows else 0)


def _insert(rows: list[dict]) -> int:
    # The table's own INSERT, not the model's: the ORM's bulk insert would fetch back
    # every new id (RETURNING), twice the time at 100,000 rows.
    db.session.execute(sa.insert(RunYouthResult.__table__), rows)
    return len(rows)


def _rows(run_id: int, problem: matching.Problem, result: matching.Result,
          youth_ids: dict[str, int]) -> Iterator[dict]:
    size = len(result.lottery)
    youths = {youth.id: youth for youth in problem.youths}
    for told in matching.explain_each(problem, result):
        youth = youths[told.youth]
        yield {"run_id": run_id, "youth_id": youth_ids.get(told.youth), "key": told.youth,
               "groups": {d: matching.group_of(problem, youth, d) for d in matching.DIMENSIONS},
               "lottery_number": told.lottery, "lottery_size": size, "tier": told.tier,
               "unplaced": bool(told.choices) and not told.placements,
               "placements": [{"offer": problems.offer_id_of(a.offer), "rank": a.rank}
                              for a in told.placements],
               "choices": [{"offer": problems.offer_id_of(c.offer), "rank": c.rank,
                            "got": c.got, "reasons": list(c.reasons)} for c in told.choices]}


def of(run_id: int, youth_id: int) -> RunYouthResult | None:
    """The youth's outcome of the run: one row, by the (run, youth) unique index."""
    return db.session.scalar(sa.select(RunYouthResult).where(
        RunYouthResult.run_id == run_id, RunYouthResult.youth_id == youth_id))


def stored(run_id: int) -> bool:
    """The run's outcomes were stored per youth (runs stored before were not)."""
    return db.session.scalar(sa.select(sa.exists().where(
        RunYouthResult.run_id == run_id))) or False


def explanation(row: RunYouthResult) -> matching.Explanation:
    """The row as ``matching.explain`` tells it (pseudonym and offer keys)."""
    return matching.Explanation(
        row.key, row.lottery_number, row.tier,
        tuple(matching.Assignment(row.key, problems.offer_key(p["offer"]), p["rank"])
              for p in row.placements),
        tuple(matching.ChoiceOutcome(problems.offer_key(c["offer"]), c["rank"], c["got"],
                                     tuple(c["reasons"])) for c in row.choices))


def unplaced_youth_ids(run_id: int) -> list[int]:
    """The youths (still with an account) who applied and got nothing in the run."""
    return list(db.session.scalars(sa.select(RunYouthResult.youth_id).where(
        RunYouthResult.run_id == run_id, RunYouthResult.unplaced,
        RunYouthResult.youth_id.is_not(None))))


def existing_youth_ids(youth_ids: list[int | None]) -> set[int]:
    """Those of ``youth_ids`` whose account still exists."""
    wanted = sorted({y for y in youth_ids if y is not None})
    found: set[int] = set()
    for start in range(0, len(wanted), 5000):
        found.update(db.session.scalars(sa.select(YouthProfile.id).where(
            YouthProfile.id.in_(wanted[start:start + 5000]))))
    return found


def places(run_id: int) -> Iterator[tuple[int | None, str]]:
    """Every place of the run as (youth id, or ``None`` for a removed account; offer key)."""
    for youth_id, placed in db.session.execute(sa.select(
            RunYouthResult.youth_id, RunYouthResult.placements).where(
            RunYouthResult.run_id == run_id, RunYouthResult.unplaced.is_(False))):
        for place in placed:
            yield youth_id, problems.offer_key(place["offer"])


class References:
    """Pseudonym -> staff reference (``unknown`` for an account gone), for the run
    review; the round's pseudonyms are read only if a run stored before the per-youth
    outcomes is reviewed (the only case that needs them)."""

    def __init__(self, round_id: int, unknown: str) -> None:
        self.round_id, self.unknown = round_id, unknown
        self.known: dict[str, str] | None = None

    def __contains__(self, key: str) -> bool:
        return key in self._known()

    def __call__(self, key: str) -> str:
        return self._known().get(key, self.unknown)

    def _known(self) -> dict[str, str]:
        if self.known is None:
            self.known = {key: problems.staff_reference(youth_id) for key, youth_id
                          in problems.youth_ids_by_key(self.round_id).items()}
        return self.known


def unplaced_references(run: AllocationRun, names: References) -> list[str]:
    """Staff references of the youths the run placed nowhere, in order: from the stored
    outcomes, or the whole result for a run stored before them."""
    if stored(run.id):
        return sorted(problems.staff_reference(youth_id) for youth_id in unplaced_youth_ids(run.id))
    result = matching.load_result(run.solved_result)
    return sorted(names(u.youth) for u in result.unplaced if u.youth in names)


def place_pairs(run: AllocationRun, names: References) -> set[tuple[str, str]]:
    """The run's places as (staff reference, offer key): from the stored outcomes, or
    the whole result for a run stored before them."""
    if stored(run.id):
        return {(problems.staff_reference(youth_id) if youth_id is not None else names.unknown,
                 offer) for youth_id, offer in places(run.id)}
    return {(names(a.youth), a.offer)
            for a in matching.load_result(run.solved_result).assignments}


def groups(run_id: int) -> list[tuple[int | None, dict]] | None:
    """Every youth of the run with their group per dimension, or ``None`` for a run whose
    rows were stored without them (the caller then reads the run's problem)."""
    rows = db.session.execute(sa.select(RunYouthResult.youth_id, RunYouthResult.groups).where(
        RunYouthResult.run_id == run_id)).all()
    if not rows or any(g is None for _y, g in rows):
        return None
    return [(youth_id, g) for youth_id, g in rows]
