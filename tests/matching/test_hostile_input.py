"""Hostile input (security review, issue 9): every bad file is exit 2 with one line, never a traceback.

Each case is written as an attacker would send it: a problem or result file, an output
path, or a command-line value. The CLI runs in-process (``main([...])``), so an exception
escaping it fails the test outright.
"""
from __future__ import annotations

import contextlib
import copy
import errno
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import matching
from matching.__main__ import main
from matching.encoder import encode
from tests.matching.helpers import problem

pytestmark = [pytest.mark.matching, pytest.mark.hardening]

DATA = problem([{"id": "Y1", "groups": ["targeted"]}, {"id": "Y2"}, {"id": "Y3", "age": 13}],
               [{"id": "J7", "kind": "job", "min_age": 15}, {"id": "A3", "weeks": ["2026-W28"]}],
               [("Y1", "J7", 1), ("Y1", "A3", 2), ("Y2", "J7", 1), ("Y2", "A3", 2), ("Y3", "J7", 1)],
               policy={"priority_tiers": ["targeted"], "max_places_per_youth": 1})
RESULT = matching.solve(matching.load_problem(DATA)).to_dict(timings=False)


def edited(data: dict, edit) -> str:
    data = copy.deepcopy(data)
    edit(data)
    return json.dumps(data)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def assert_bad_input(status: int, err: str, *words: str) -> None:
    """Exit 2 and exactly one line ``error: <where>: <what>`` holding every given word."""
    assert status == 2, err
    assert "Traceback" not in err
    assert err.startswith("error: ") and err.count("\n") == 1, repr(err)
    for word in words:
        assert word in err, (word, err)


def solve_bad(tmp_path: Path, capsys, content: str | bytes, *words: str) -> None:
    source, out = tmp_path / "problem.json", tmp_path / "result.json"
    if isinstance(content, bytes):
        source.write_bytes(content)
    else:
        source.write_text(content, encoding="utf-8")
    assert_bad_input(*run(capsys, "solve", str(source), "-o", str(out), "--quiet")[::2], *words)
    assert os.listdir(tmp_path) == ["problem.json"]      # no result, no temporary file left


DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "9" * 20_000

PROBLEM_CASES = {
    "nested thousands deep": (DEEP, "problem.json", "nested more than 100 levels deep"),
    "nested deep inside a key": (json.dumps(DATA).replace('"groups": []', '"groups": ' + DEEP, 1),
                                 "nested more than 100 levels deep"),
    "tens of thousands of digits": (json.dumps(DATA).replace('"age": 13', f'"age": {HUGE}'),
                                    "youths[2].age", "digits"),
    "huge age": (edited(DATA, lambda d: d["youths"][0].update(age=10**30)), "youths[0].age", "at most 150"),
    "huge min_age": (edited(DATA, lambda d: d["offers"][0].update(min_age=10**6, max_age=10**6)),
                     "offers[0].min_age", "at most 150"),
    "huge capacity": (edited(DATA, lambda d: d["offers"][0].update(capacity=2**63)),
                      "offers[0].capacity", "at most 1000000"),
    "huge rank": (edited(DATA, lambda d: d["applications"][1].update(rank=10**30)),
                  "applications[1].rank", "at most 1000"),
    "rank 10**18 (would break the lottery score)": (
        edited(DATA, lambda d: d["applications"][1].update(rank=10**18)), "applications[1].rank", "at most 1000"),
    "huge seed": (edited(DATA, lambda d: d["policy"].update(seed=2**63)), "policy.seed", "at most"),
    "seed of 4000 digits": (edited(DATA, lambda d: d["policy"].update(seed=10**4000)), "policy.seed", "digits"),
    "huge place limit": (edited(DATA, lambda d: d["policy"].update(max_places_per_youth=10**30)),
                         "policy.max_places_per_youth", "at most 1000"),
    "float age": (edited(DATA, lambda d: d["youths"][0].update(age=16.0)), "youths[0].age", "integer"),
    "NaN age": (json.dumps(DATA).replace('"age": 13', '"age": NaN'), "youths[2].age", "NaN"),
    "Infinity capacity": (json.dumps(DATA).replace('"capacity": 1', '"capacity": -Infinity', 1),
                          "offers[0].capacity", "Infinity"),
    "1e999 capacity": (json.dumps(DATA).replace('"capacity": 1', '"capacity": 1e999', 1),
                                  "offers[0].capacity", "too large"),
    "boolean capacity": (edited(DATA, lambda d: d["offers"][0].update(capacity=True)),
                         "offers[0].capacity", "integer"),
    "boolean seed": (edited(DATA, lambda d: d["policy"].update(seed=False)), "policy.seed", "integer"),
    "not UTF-8": (json.dumps(DATA).encode().replace(b'"Y2"', b'"Y\xff"', 1), "not UTF-8", "byte"),
    "empty file": ("", "problem.json", "empty"),
    "only white space": (" \n\t\n", "problem.json", "empty"),
    "lone surrogate id": (json.dumps(DATA).replace('"Y2"', '"\\ud800"'), "youths[1].id", "Unicode"),
    "escape sequence in an id": (json.dumps(DATA).replace('"Y2"', '"Y\\u001b[2J2"'), "youths[1].id", "control"),
    "newline in an unknown key": (edited(DATA, lambda d: d["policy"].update({"seed\nX": 1})), "policy."),
    "duplicate key": (json.dumps(DATA).replace('"capacity": 1,', '"capacity": 1, "capacity": 900,', 1),
                      "offers[0].capacity", "twice"),
    "duplicate top-level key": (json.dumps(DATA)[:-1] + ', "youths": []}', "youths", "twice"),
    "a megabyte of kind": (edited(DATA, lambda d: d["offers"][0].update(kind="x" * 10**6)), "offers[0].kind"),
}

WEEKS = ["٢٠٢٦-W٢٧", "２０２６-W２７", "²⁰²⁶-W²⁷", "2026-W٢٧", "2026-W27\n", " 2026-W27", "2026-W00", "2026-W54",
         "2027-W53", "0000-W01", "2026-W7", "2026W27", "2026-w27"]


@pytest.mark.parametrize("content, words", [(c[0], c[1:]) for c in PROBLEM_CASES.values()], ids=list(PROBLEM_CASES))
def test_bad_problem_file_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, content, words):
    solve_bad(tmp_path, capsys, content, *words)


def test_an_oversized_message_is_cut_short(tmp_path, capsys):
    solve_bad(tmp_path, capsys, edited(DATA, lambda d: d["offers"][0].update(kind="x" * 10**6)), "offers[0].kind")
    source = tmp_path / "problem.json"
    main(["solve", str(source), "-o", str(tmp_path / "r.json")])
    assert len(capsys.readouterr().err) < 300


@pytest.mark.parametrize("week", WEEKS)
def test_only_the_documented_week_format_is_accepted(tmp_path, capsys, week):
    solve_bad(tmp_path, capsys, edited(DATA, lambda d: d["offers"][1].update(weeks=["2026-W27", week])),
              "offers[1].weeks[1]", "ISO week")


def test_non_ascii_digits_cannot_slip_past_the_same_week_rule():
    data = json.loads(edited(DATA, lambda d: d["offers"][1].update(weeks=["٢٠٢٦-W٢٧"])))
    with pytest.raises(matching.ProblemError) as caught:
        matching.load_problem(data)
    assert caught.value.where == "offers[1].weeks[0]"


def test_week_53_is_accepted_in_a_year_that_has_one():
    data = json.loads(edited(DATA, lambda d: d["offers"][1].update(weeks=["2026-W53"])))
    assert matching.load_problem(data).offer("A3").weeks == ("2026-W53",)


def test_bounds_hold_at_their_edges():
    data = json.loads(edited(DATA, lambda d: (d["youths"][0].update(age=150), d["offers"][1].update(capacity=10**6),
                                              d["policy"].update(seed=-2**63), d["applications"][1].update(rank=1000))))
    loaded = matching.load_problem(data)
    assert (loaded.youth("Y1").age, loaded.offer("A3").capacity, loaded.policy.seed) == (150, 10**6, -2**63)


@pytest.mark.parametrize("make, words", [
    (lambda tmp: tmp / "missing.json", ("missing.json", "cannot read")),
    (lambda tmp: tmp, ("cannot read",)),
    (lambda tmp: Path(f"{tmp}/a\0b.json"), ("cannot read",)),
], ids=["missing", "a directory", "a NUL byte in the name"])
def test_a_problem_path_that_is_not_a_readable_file(tmp_path, capsys, make, words):
    out = tmp_path / "result.json"
    assert_bad_input(*run(capsys, "solve", str(make(tmp_path)), "-o", str(out))[::2], *words)
    assert not out.exists()


# --- the result file, for check and explain -------------------------------------------------------

def edited_result(edit) -> str:
    return edited(RESULT, edit)


RESULT_CASES = {
    "not JSON": ("{not json", "result.json", "malformed JSON"),
    "empty": ("", "result.json", "empty"),
    "nested thousands deep": (DEEP, "nested more than 100 levels deep"),
    "a list, not an object": ("[]", "result.json", "object"),
    "wrong format name": (edited_result(lambda d: d.update(format="youth-allocation/1")), "format"),
    "missing status": (edited_result(lambda d: d.pop("status")), "status", "missing"),
    "unknown status": (edited_result(lambda d: d.update(status="great")), "status"),
    "missing assignments": (edited_result(lambda d: d.pop("assignments")), "assignments", "missing"),
    "assignments not a list": (edited_result(lambda d: d.update(assignments=5)), "assignments", "list"),
    "an assignment's youth is a list": (
        edited_result(lambda d: d["assignments"][0].update(youth=["Y1"])), "assignments[0].youth", "string"),
    "an assignment misses its offer": (edited_result(lambda d: d["assignments"][0].pop("offer")),
                                       "assignments[0].offer", "missing"),
    "a text rank": (edited_result(lambda d: d["assignments"][0].update(rank="1")), "assignments[0].rank"),
    "a boolean rank": (edited_result(lambda d: d["assignments"][0].update(rank=True)), "assignments[0].rank"),
    "a huge rank": (edited_result(lambda d: d["assignments"][0].update(rank=10**30)), "assignments[0].rank"),
    "an empty level": (edited_result(lambda d: d.update(levels=[{}])), "levels[0].name", "missing"),
    "a NaN level value": (edited_result(lambda d: d["levels"][0].update(value="?")).replace('"?"', "NaN"),
                          "levels[0].value", "NaN"),
    "unplaced not a list": (edited_result(lambda d: d.update(unplaced=5)), "unplaced", "list"),
    "an unknown reason": (edited_result(lambda d: d["unplaced"][0]["reasons"][0].update(reason="bad luck")),
                          "unplaced[0].reasons[0].reason"),
    "lottery a list": (edited_result(lambda d: d.update(lottery=[1])), "lottery", "object"),
    "a boolean lottery number": (edited_result(lambda d: d["lottery"].update(Y1=True)), "lottery.Y1", "integer"),
    "stats not an object": (edited_result(lambda d: d.update(stats=[])), "stats", "object"),
    "an unknown key": (edited_result(lambda d: d.update(assignment=[])), "assignment", "unknown key"),
    "a duplicate key": (json.dumps(RESULT).replace('"status":', '"status": "optimal", "status":', 1),
                        "status", "twice"),
}


@pytest.mark.parametrize("command", ["check", "explain"])
@pytest.mark.parametrize("content, words", [(c[0], c[1:]) for c in RESULT_CASES.values()], ids=list(RESULT_CASES))
def test_bad_result_file_exits_2_with_one_line(tmp_path, capsys, command, content, words):
    source, result = tmp_path / "problem.json", tmp_path / "result.json"
    source.write_text(json.dumps(DATA), encoding="utf-8")
    result.write_text(content, encoding="utf-8")
    extra = ["--youth", "Y3"] if command == "explain" else []
    status, out, err = run(capsys, command, str(source), str(result), *extra)
    assert_bad_input(status, err, *words)
    assert out == ""


UNKNOWN_NAMES = {
    "youth": ({"youth": "Nobody", "offer": "A3", "rank": None}, "youth", 'no youth "Nobody"'),
    "offer": ({"youth": "Y3", "offer": "Z9", "rank": None}, "offer", 'no offer "Z9"'),
}


@pytest.mark.parametrize("extra, key, words", UNKNOWN_NAMES.values(), ids=list(UNKNOWN_NAMES))
def test_a_result_naming_unknown_youths_or_offers(tmp_path, capsys, extra, key, words):
    """``check`` reports it as a breach (its job is finding what is wrong); ``explain`` refuses the file."""
    source, result = tmp_path / "problem.json", tmp_path / "result.json"
    source.write_text(json.dumps(DATA), encoding="utf-8")
    result.write_text(edited_result(lambda d: d["assignments"].append(extra)), encoding="utf-8")
    n = len(RESULT["assignments"])
    status, out, err = run(capsys, "check", str(source), str(result))
    assert status == 1 and f"assignments[{n}] names an unknown youth or offer" in out
    status, out, err = run(capsys, "explain", str(source), str(result), "--youth", "Y3")
    assert_bad_input(status, err, f"result.json: assignments[{n}].{key}", words)


@pytest.mark.parametrize("youth", ["nobody", "Y1\n\x1b[2Jerror: fake", ""])
def test_explain_for_a_youth_not_in_the_problem(tmp_path, capsys, youth):
    source, result = tmp_path / "problem.json", tmp_path / "result.json"
    source.write_text(json.dumps(DATA), encoding="utf-8")
    result.write_text(json.dumps(RESULT), encoding="utf-8")
    assert_bad_input(*run(capsys, "explain", str(source), str(result), "--youth", youth)[::2], "--youth", "no youth")


def test_load_result_names_the_place_of_a_fault():
    with pytest.raises(matching.ProblemError) as caught:
        matching.load_result(json.loads(edited_result(lambda d: d["assignments"][0].update(youth=7))))
    assert caught.value.where == "assignments[0].youth"
    assert matching.load_result(RESULT).to_dict(timings=False) == RESULT


def test_load_problem_refuses_a_lone_surrogate_given_as_a_dict():
    with pytest.raises(matching.ProblemError) as caught:
        matching.load_problem(json.loads(json.dumps(DATA).replace('"Y2"', '"\\udc80"')))
    assert caught.value.where == "youths[1].id"


# --- the output path -------------------------------------------------------------------------------

def unwritable_folder(tmp: Path) -> Path:
    if os.geteuid() == 0:
        pytest.skip("root may write in a read-only folder")
    folder = tmp / "read-only"
    folder.mkdir(mode=0o500)
    return folder / "result.json"


def proc_folder(tmp: Path) -> Path:
    if not sys.platform.startswith("linux"):
        pytest.skip("/proc is Linux")
    return Path("/proc/result.json")


def fifo(tmp: Path) -> Path:
    os.mkfifo(tmp / "pipe")
    return tmp / "pipe"


@pytest.mark.parametrize("make, words", [
    (lambda tmp: tmp / "no" / "such" / "result.json", ("no/such/result.json", "folder")),
    (lambda tmp: tmp / "problem.json" / "result.json", ("folder",)),
    (lambda tmp: tmp, ("a directory",)),
    (fifo, ("not a regular file",)),
    (unwritable_folder, ("cannot write",)),
    (proc_folder, ("cannot write",)),
    (lambda tmp: tmp / ("a" * 300 + ".json"), ("cannot write", "too long")),
    (lambda tmp: Path(f"{tmp}/result\0.json"), ("NUL byte",)),
], ids=["missing folder", "folder is a file", "a directory", "a named pipe", "read-only folder", "/proc",
        "a name too long", "a NUL byte in the name"])
def test_an_output_path_that_cannot_be_written(tmp_path, capsys, make, words):
    source = tmp_path / "problem.json"
    source.write_text(json.dumps(DATA), encoding="utf-8")
    target = make(tmp_path)
    before = sorted(os.listdir(tmp_path))
    assert_bad_input(*run(capsys, "solve", str(source), "-o", str(target), "--quiet")[::2], *words)
    assert sorted(os.listdir(tmp_path)) == before
    assert not (target.parent.is_dir() and any(p.name.startswith(".result-") for p in target.parent.iterdir()))


def test_a_failing_write_leaves_nothing_behind(tmp_path, capsys, monkeypatch):
    source, out = tmp_path / "problem.json", tmp_path / "result.json"
    source.write_text(json.dumps(DATA), encoding="utf-8")

    def disk_full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(os, "replace", disk_full)
    assert_bad_input(*run(capsys, "solve", str(source), "-o", str(out), "--quiet")[::2], "result.json", "cannot write")
    assert os.listdir(tmp_path) == ["problem.json"]


# --- command-line values ---------------------------------------------------------------------------

@pytest.mark.parametrize("option", [["--threads", "0"], ["--threads", "-3"], ["--threads", "100000"],
                                    ["--time-limit", "nan"], ["--time-limit", "-1"], ["--time-limit", "inf"],
                                    ["--time-limit", "0"]])
def test_silly_solver_options_are_refused(tmp_path, capsys, option):
    source, out = tmp_path / "problem.json", tmp_path / "result.json"
    source.write_text(json.dumps(DATA), encoding="utf-8")
    assert_bad_input(*run(capsys, "solve", str(source), "-o", str(out), *option)[::2], f"argument {option[0]}")
    assert not out.exists()


@pytest.mark.parametrize("argv", [["bogus"], [], ["solve"], ["explain", "p.json", "r.json"]])
def test_a_bad_command_line_returns_2_with_one_line_instead_of_raising(capsys, argv):
    assert_bad_input(*run(capsys, *argv)[::2], "see --help")


# --- a valid but extreme problem --------------------------------------------------------------------

@contextlib.contextmanager
def recursion_limit(frames_left: int):
    """Python's recursion limit this many frames above the current depth, for one block."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + frames_left)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def test_many_offers_in_one_week_are_encoded_without_recursion():
    """A youth may rank 1,000 offers; all in one week they form one clique that deep. Finding it
    must not recurse per offer, or a valid problem ends in RecursionError (here shown with 300
    offers under a limit of 200 frames, so the test stays quick)."""
    data = problem([{"id": "Y1"}], [{"id": f"O{j}"} for j in range(300)], [("Y1", f"O{j}", j + 1) for j in range(300)])
    loaded = matching.load_problem(data)
    with recursion_limit(200):
        rows = encode(loaded).rows
    assert [len(r.pairs) for r in rows if r.name.startswith("weeks_")] == [300]


def test_a_text_the_terminal_cannot_show_is_escaped_not_a_traceback(tmp_path):
    """A tier named "målgrupp" on a terminal whose encoding is ASCII (explain prints the tier)."""
    source, out = tmp_path / "problem.json", tmp_path / "result.json"
    source.write_text(json.dumps(DATA).replace("targeted", "målgrupp"), encoding="utf-8")
    assert main(["solve", str(source), "-o", str(out), "--quiet"]) == 0
    run = subprocess.run([sys.executable, "-m", "matching", "explain", str(source), str(out), "--youth", "Y1"],
                         capture_output=True, text=True, encoding="ascii", errors="strict", timeout=120,
                         env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert run.returncode == 0, run.stderr
    assert 'priority tier "m\\xe5lgrupp"' in run.stdout
