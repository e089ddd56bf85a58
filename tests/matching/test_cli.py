"""The command line: solve, check, explain, and its exit statuses."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from matching.__main__ import main
from tests.matching.helpers import problem, week

pytestmark = pytest.mark.matching

DATA = problem([{"id": "Y1", "groups": ["targeted"]}, {"id": "Y2"}, {"id": "Y3", "age": 13}],
               [{"id": "J7", "kind": "job", "min_age": 15}, {"id": "A3", "weeks": [week(28)]}],
               [("Y1", "J7", 1), ("Y1", "A3", 2), ("Y2", "J7", 1), ("Y2", "A3", 2), ("Y3", "J7", 1)],
               policy={"priority_tiers": ["targeted"], "max_places_per_youth": 1})


def write(tmp_path: Path, data: dict, name: str = "problem.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_solve_check_explain(tmp_path, capsys):
    source, out = write(tmp_path, DATA), tmp_path / "result.json"
    assert main(["solve", str(source), "-o", str(out), "--quiet"]) == 0
    result = json.loads(out.read_text())
    assert result["status"] == "optimal" and result["format"] == "youth-allocation-result/1"
    assert {"by_rank", "by_tier", "by_district", "by_gender", "timings"} <= set(result["stats"])
    assert main(["check", str(source), str(out)]) == 0
    assert main(["explain", str(source), str(out), "--youth", "Y3"]) == 0
    text = capsys.readouterr().out
    assert "Youth Y3: lottery number" in text and "younger than the offer's minimum age" in text


def test_explain_a_placed_youth_names_better_choices(tmp_path, capsys):
    source, out = write(tmp_path, DATA), tmp_path / "result.json"
    main(["solve", str(source), "-o", str(out), "--quiet"])
    assert main(["explain", str(source), str(out), "--youth", "Y2"]) == 0
    text = capsys.readouterr().out
    assert "Placed on: A3 (choice 2)" in text
    assert "better choice 1, J7: not given because all its places went to others" in text


@pytest.mark.parametrize("content, words", [
    ("{not json", "malformed JSON"),
    (json.dumps({**DATA, "applications": DATA["applications"] + [{"youth": "Y3", "offer": "J99", "rank": 2}]}),
     'applications[5].offer: no offer "J99"'),
])
def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, content, words):
    source, out = tmp_path / "problem.json", tmp_path / "result.json"
    source.write_text(content, encoding="utf-8")
    assert main(["solve", str(source), "-o", str(out)]) == 2
    assert words in capsys.readouterr().err
    assert not out.exists()


def test_clashing_locks_exit_3_naming_the_locks(tmp_path, capsys):
    data = {**DATA, "locked": [{"youth": "Y1", "offer": "J7"}, {"youth": "Y2", "offer": "J7"}]}
    out = tmp_path / "result.json"
    assert main(["solve", str(write(tmp_path, data)), "-o", str(out), "--quiet"]) == 3
    err = capsys.readouterr().err
    assert '("Y1", "J7")' in err and '("Y2", "J7")' in err and "capacity 1" in err
    assert json.loads(out.read_text())["status"] == "infeasible"


def test_check_reports_each_breach_and_exits_1(tmp_path, capsys):
    source, out = write(tmp_path, DATA), tmp_path / "result.json"
    main(["solve", str(source), "-o", str(out), "--quiet"])
    result = json.loads(out.read_text())
    result["assignments"] += [{"youth": "Y3", "offer": "J7", "rank": 1}, {"youth": "Y3", "offer": "A3", "rank": None}]
    out.write_text(json.dumps(result))
    assert main(["check", str(source), str(out)]) == 1
    printed = capsys.readouterr().out
    assert "rule 1:" in printed and "rule 2:" in printed and "rule 3:" in printed


def test_no_timings_gives_byte_identical_files(tmp_path):
    source = write(tmp_path, DATA)
    outputs = []
    for n, solver in enumerate(["highs", "highs", "cbc"]):
        out = tmp_path / f"r{n}.json"
        main(["solve", str(source), "-o", str(out), "--quiet", "--no-timings", "--solver", solver, "--threads", str(n + 1)])
        outputs.append(json.loads(out.read_text()))
        outputs[-1]["stats"].pop("solver")
    assert (tmp_path / "r0.json").read_bytes() == (tmp_path / "r1.json").read_bytes()
    assert outputs[0] == outputs[2]


def test_module_entry_point(tmp_path):
    source, out = write(tmp_path, DATA), tmp_path / "result.json"
    run = subprocess.run([sys.executable, "-m", "matching", "solve", str(source), "-o", str(out), "--method", "rsd"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""     # nothing on stdout (HiGHS' banner included)
    assert json.loads(out.read_text())["stats"]["method"] == "rsd"


def test_fingerprint_is_the_canonical_sha256_whatever_the_layout(tmp_path, capsys):
    import hashlib

    import matching

    compact = write(tmp_path, DATA, "compact.json")
    spread = tmp_path / "spread.json"
    spread.write_text(json.dumps(dict(reversed(list(DATA.items()))), indent=4,
                                 ensure_ascii=True), encoding="utf-8")
    assert main(["fingerprint", str(compact)]) == 0
    assert main(["fingerprint", str(spread)]) == 0
    first, second = capsys.readouterr().out.split()
    canonical = json.dumps(DATA, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert first == second == hashlib.sha256(canonical.encode()).hexdigest()
    assert first == matching.fingerprint(DATA)
    changed = write(tmp_path, {**DATA, "locked": [{"youth": "Y2", "offer": "A3"}]}, "c.json")
    assert main(["fingerprint", str(changed)]) == 0
    assert capsys.readouterr().out.strip() != first


def test_fingerprint_of_something_that_is_no_problem_is_refused(tmp_path, capsys):
    bad = write(tmp_path, {**DATA, "format": "other/1"}, "bad.json")
    assert main(["fingerprint", str(bad)]) == 2
    assert capsys.readouterr().err.startswith("error: ")
