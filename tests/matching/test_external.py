"""Real preference data (shared/data/external): the engine must reach the README's proven optimum."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import matching
from tests.matching.helpers import SOLVERS

pytestmark = pytest.mark.matching

EXTERNAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "external"
LEVEL_COLUMNS = 5   # the README's table gives levels 1-5: tier placed, placed, places, tier rank sum, rank sum


def reference_table() -> dict[str, tuple[int, ...]]:
    """Rows of the 'Reference optimum' table: file stem -> the five level values."""
    text = (EXTERNAL / "README.md").read_text(encoding="utf-8")
    section = text.split("## Reference optimum", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"^\| `([^`]+)` \|((?: [0-9]+ \|){5})", line)
        if match:
            rows[match[1]] = tuple(int(v) for v in match[2].replace("|", " ").split())
    return rows


def _require_data() -> None:
    if not EXTERNAL.is_dir():
        if os.environ.get("REQUIRE_SHARED_DATA") == "1":
            pytest.fail(f"REQUIRE_SHARED_DATA=1 but {EXTERNAL} does not exist")
        pytest.skip(f"shared external data not found at {EXTERNAL} (it sits beside the repository)")


def files() -> list[str]:
    return sorted(p.stem for p in EXTERNAL.glob("*.json")) if EXTERNAL.is_dir() else []


def test_every_file_has_a_reference_row():
    _require_data()
    table = reference_table()
    assert files() and set(files()) == set(table)
    assert all(len(values) == LEVEL_COLUMNS for values in table.values())


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("stem", files() or ["(no data)"])
def test_reaches_the_reference_optimum(stem, solver):
    _require_data()
    problem = matching.load_problem(EXTERNAL / f"{stem}.json")
    if solver == "cbc" and len(problem.youths) > 200:
        pytest.skip("CBC re-solves each level as an integer program: kept to the small files for time")
    result = matching.solve(problem, solver=solver)
    assert result.status is matching.Status.OPTIMAL
    assert matching.validate(problem, result) == []
    values = tuple(lv.value for lv in result.levels[:LEVEL_COLUMNS])
    assert values == reference_table()[stem]
    assert all(lv.proven for lv in result.levels)
