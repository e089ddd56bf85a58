"""Command line: ``python -m matching solve|check|explain``.

Exit statuses: 0 done; 1 ``check`` found breaches; 2 bad input (one message naming the
place in the file, nothing written); 3 clashing locks (the locks are named).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from matching.explain import explain, render_text
from matching.loader import load_problem
from matching.problem import ProblemError
from matching.result import Status, load_result
from matching.engine import METHODS, SOLVERS, solve
from matching.validate import validate

EXIT_BREACH, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 1, 2, 3
EXIT_HELP = "exit status: 0 done, 1 check found breaches, 2 bad input, 3 the locks clash"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except ProblemError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m matching", description=(
        "Allocate summer jobs and activities exactly (solve), check a result against every "
        "hard rule (check), and explain one youth's outcome (explain)."), epilog=EXIT_HELP)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    run = commands.add_parser("solve", help="allocate and write a result file")
    run.add_argument("problem", type=Path, help="problem file (youth-allocation/1)")
    run.add_argument("-o", "--output", type=Path, required=True, help="result file to write")
    run.add_argument("--solver", choices=SOLVERS, default="highs", help="default: highs")
    run.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                     help="stop early with a valid allocation (status feasible)")
    run.add_argument("--threads", type=int, default=None, metavar="N", help="solver threads")
    run.add_argument("--method", choices=METHODS, default="optimal",
                     help="optimal (default) or rsd: random serial dictatorship on the same lottery")
    run.add_argument("--quiet", action="store_true", help="no progress on stderr")
    run.add_argument("--no-timings", action="store_true", help="leave out stats.timings (byte-comparable output)")
    run.set_defaults(run=_solve)
    check = commands.add_parser("check", help="check a result against every hard rule")
    check.add_argument("problem", type=Path)
    check.add_argument("result", type=Path)
    check.set_defaults(run=_check)
    why = commands.add_parser("explain", help="explain in plain words what one youth got and why")
    why.add_argument("problem", type=Path)
    why.add_argument("result", type=Path)
    why.add_argument("--youth", required=True, metavar="ID")
    why.set_defaults(run=_explain)
    return parser


def _progress(quiet: bool):
    if quiet or not sys.stderr.isatty():
        return None

    def show(index: int, count: int, name: str, elapsed: float) -> None:
        print(f"\rlevel {index + 1} of {count}: {name} ({elapsed:.1f} s)\033[K", end="", file=sys.stderr, flush=True)
    return show


def _solve(args: argparse.Namespace) -> int:
    problem = load_problem(args.problem)
    show = _progress(args.quiet)
    started = time.perf_counter()
    result = solve(problem, args.solver, args.time_limit, args.threads, args.method, show)
    if show:
        print(f"\rdone: {result.status.value} in {time.perf_counter() - started:.1f} s\033[K", file=sys.stderr)
    _write_atomically(args.output, result.to_json(timings=not args.no_timings))
    if result.status is Status.INFEASIBLE:
        print("error: the locks clash, so no allocation can keep them all:", file=sys.stderr)
        for clash in result.stats["lock_clashes"]:
            locks = ", ".join(f'("{p["youth"]}", "{p["offer"]}")' for p in clash["locks"])
            print(f"  locks {locks}: {clash['reason']}", file=sys.stderr)
        return EXIT_INFEASIBLE
    return 0


def _write_atomically(path: Path, text: str) -> None:
    """Write next to the target and rename, so a crash never leaves half a result."""
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=".result-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def _check(args: argparse.Namespace) -> int:
    problem = load_problem(args.problem)
    breaches = validate(problem, load_result(args.result))
    for breach in breaches:
        print(breach)
    print(f"{len(breaches)} breaches" if breaches else "ok: every hard rule holds", file=sys.stderr)
    return EXIT_BREACH if breaches else 0


def _explain(args: argparse.Namespace) -> int:
    problem = load_problem(args.problem)
    result = load_result(args.result)
    try:
        print(render_text(explain(problem, result, args.youth)))
    except KeyError:
        raise ProblemError("--youth", f'no youth "{args.youth}" in the problem') from None
    return 0


if __name__ == "__main__":
    sys.exit(main())
