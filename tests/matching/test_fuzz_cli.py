"""Mutated and garbage problem and result files, fed to the CLI: it never raises or shows a traceback.

Hypothesis edits a valid problem or result (a value replaced by any JSON value, NaN and
huge integers included; a key removed, added or given twice; an item duplicated), or
spoils the text (cut short, bytes inserted, nested deep), and runs ``solve`` (optimal,
RSD, or cut short by a time limit), ``check`` or ``explain`` in-process. Whatever the
file, the exit status is one of the documented ones, stderr holds no traceback, and on
status 2 nothing was written.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

from matching.__main__ import main
from tests.matching.test_hostile_input import DATA, RESULT

pytestmark = [pytest.mark.matching, pytest.mark.hardening]

NAMES = ["Y1", "Y2", "Y3", "J7", "A3", "job", "activity", "2026-W27", "2027-W53", "٢٠٢٦-W٢٧", "optimal",
         "infeasible", "full", "targeted", "youth-allocation/1", "youth-allocation-result/1", "", "\ud800", "\x1b[2J"]
KEYS = ["format", "policy", "seed", "youths", "offers", "applications", "locked", "forbidden", "apart", "id",
        "age", "capacity", "rank", "weeks", "youth", "offer", "status", "assignments", "lottery", "levels",
        "unplaced", "reasons", "reason", "stats", "name", "value", "proven", "bound"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 30), st.integers(-10**40, 10**40),
    st.sampled_from([2**63, -2**63 - 1, 10**4000]), st.floats(), st.text(max_size=10), st.sampled_from(NAMES))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=3),
                      max_leaves=8)
BYTES = st.binary(max_size=8) | st.sampled_from([b"\xff", b"\xc3", b"\x00", b"{", b"]", b'"', b"\\u", b"NaN"])
EXIT_STATUSES = {"solve": {0, 2, 3}, "check": {0, 1, 2}, "explain": {0, 2}, "envy": {0, 2}}


def places(value, path=()):
    """Every (path, value) in a JSON tree, the root included."""
    yield path, value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield from places(child, path + (key,))


def at(tree, path):
    for key in path:
        tree = tree[key]
    return tree


@st.composite
def mutated_tree(draw, document: dict):
    tree = json.loads(json.dumps(document))
    for _ in range(draw(st.integers(1, 3))):
        path, node = draw(st.sampled_from(list(places(tree))))
        action = draw(st.sampled_from(["replace", "remove", "add", "duplicate"]))
        if action == "replace" and path:
            at(tree, path[:-1])[path[-1]] = draw(VALUES)
        elif action == "remove" and path:
            del at(tree, path[:-1])[path[-1]]
        elif action == "add" and isinstance(node, dict):
            node[draw(st.sampled_from(KEYS) | st.text(max_size=6))] = draw(VALUES)
        elif action == "duplicate" and isinstance(node, list) and node:
            node.append(json.loads(json.dumps(draw(st.sampled_from(node)))))
    text = json.dumps(tree, ensure_ascii=draw(st.booleans()))
    if isinstance(tree, dict) and tree and draw(st.integers(0, 9)) == 0:   # a top-level key given twice
        text = '{"' + draw(st.sampled_from(sorted(tree))) + '": 0, ' + text[1:]
    return text.encode("utf-8", "surrogatepass")


@st.composite
def spoilt_text(draw, document: dict):
    raw = json.dumps(document).encode()
    kind = draw(st.sampled_from(["cut", "insert", "deep", "garbage"]))
    if kind == "cut":
        return raw[:draw(st.integers(0, len(raw)))]
    if kind == "insert":
        at_ = draw(st.integers(0, len(raw)))
        return raw[:at_] + draw(BYTES) + raw[at_:]
    if kind == "deep":
        depth = draw(st.sampled_from([10, 999, 1000, 5000, 50_000]))
        return raw.replace(b"[]", b"[" * depth + b"]" * depth, 1) if b"[]" in raw else b"[" * depth + b"]" * depth
    return draw(st.binary(max_size=40))


def hostile(document: dict):
    return mutated_tree(document) | spoilt_text(document)


def run(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(argv)
    return status, err.getvalue()


FUZZ = settings(max_examples=500, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(st.data())
def test_any_file_gives_a_documented_status_and_no_traceback(data):
    command = data.draw(st.sampled_from(["solve", "check", "explain", "envy"]))
    spoil_result = command != "solve" and data.draw(st.booleans())
    problem = json.dumps(DATA).encode() if spoil_result else data.draw(hostile(DATA))
    result = data.draw(hostile(RESULT)) if spoil_result else json.dumps(RESULT).encode()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "problem.json").write_bytes(problem)
        (folder / "result.json").write_bytes(result)
        source, result_file, out = (str(folder / name) for name in ("problem.json", "result.json", "out.json"))
        youth = data.draw(st.sampled_from(["Y3", "Y1", "nobody"]))
        options = data.draw(st.sampled_from([[], ["--method", "rsd"], ["--method", "stable"], ["--time-limit", "1e-9"]]))
        argv = {"solve": ["solve", source, "-o", out, "--quiet", *options], "check": ["check", source, result_file],
                "explain": ["explain", source, result_file, "--youth", youth],
                "envy": ["envy", source, result_file]}[command]
        status, err = run(argv)
        event(f"{command} exit {status}")
        assert status in EXIT_STATUSES[command], err
        assert "Traceback" not in err
        if status == 2:
            assert err.startswith("error: ") and err.count("\n") == 1, err
            assert sorted(os.listdir(folder)) == ["problem.json", "result.json"]
        elif command == "solve":
            assert json.loads(Path(out).read_text(encoding="utf-8"))["format"] == "youth-allocation-result/1"
