"""Every result produced in this suite is checked against every hard rule."""
from __future__ import annotations

import pytest

import matching


@pytest.fixture
def solve_checked():
    """solve() that also asserts validate() finds no breach, as every test should."""
    def run(data, **kwargs) -> matching.Result:
        problem = matching.load_problem(data)
        result = matching.solve(problem, **kwargs)
        assert matching.validate(problem, result) == []
        return result
    return run
