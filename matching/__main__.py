"""Command line: ``python -m matching solve|check|explain|envy|fingerprint``.

Exit statuses: 0 done; 1 ``check`` found breaches; 2 bad input (one line
``error: <where>: <what>`` on stderr, nothing written); 3 clashing locks (the locks are named).

``main`` is the one place that turns bad input into status 2: the loaders raise
``ProblemError`` for every fault a file (or an option) can have, and only that is caught.
Any other exception is a bug in the optimiser and keeps its traceback, so it is never
mistaken for a fault in the user's file.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from matching.envy import justified_envy
from matching.explain import explain, render_text
from matching.fingerprint import fingerprint
from matching.jsonfile import read_json
from matching.loader import load_problem, load_result
from matching.problem import ProblemError
from matching.result import Status
from matching.engine import METHODS, SOLVERS, solve
from matching.solve_common import Progress
from matching.validate import validate

EXIT_BREACH, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 1, 2, 3
EXIT_HELP = "exit status: 0 done, 1 check found breaches, 2 bad input, 3 the locks clash"
MAX_THREADS = 256       #: HiGHS aborts the whole process when asked for tens of thousands


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        run: Callable[[argparse.Namespace], int] = args.run
        return run(args)
    except ProblemError as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SystemExit as exc:   # --help has been printed
        return exc.code if isinstance(exc.code, int) else 0


class _Parser(argparse.ArgumentParser):
    """argparse's complaints as ProblemError, so a bad option reads like any bad input."""

    def error(self, message: str) -> NoReturn:
        raise ProblemError(self.prog, f"{message} (see --help)")


def one_line(text: str) -> str:
    """Escape what a terminal would act on (newlines, escape sequences, bidi controls, lone surrogates)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _seconds(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def _threads(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_THREADS:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_THREADS}, got {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m matching", description=(
        "Allocate summer jobs and activities exactly (solve), check a result against every "
        "hard rule (check), and explain one youth's outcome (explain)."), epilog=EXIT_HELP)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    run = commands.add_parser("solve", help="allocate and write a result file")
    run.add_argument("problem", type=Path, help="problem file (youth-allocation/1)")
    run.add_argument("-o", "--output", type=Path, required=True, help="result file to write")
    run.add_argument("--solver", choices=SOLVERS, default="highs", help="default: highs")
    run.add_argument("--time-limit", type=_seconds, default=None, metavar="SECONDS",
                     help="stop early with a valid allocation (status feasible)")
    run.add_argument("--threads", type=_threads, default=None, metavar="N",
                     help=f"solver threads (1 to {MAX_THREADS})")
    run.add_argument("--method", choices=METHODS, default="optimal",
                     help=("optimal (default: coverage-first levels), stable (deferred acceptance by tier, "
                           "then lottery: no justified envy) or rsd (random serial dictatorship, "
                           "same lottery)"))
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
    envy = commands.add_parser("envy", help=(
        "count justified envy and unclaimed seats in a result (priority: tier, then lottery)"))
    envy.add_argument("problem", type=Path)
    envy.add_argument("result", type=Path)
    envy.set_defaults(run=_envy)
    mark = commands.add_parser("fingerprint", help=(
        "print the SHA-256 of a problem's canonical form, as published at closing"))
    mark.add_argument("problem", type=Path)
    mark.set_defaults(run=_fingerprint)
    return parser


def _progress(quiet: bool) -> Progress | None:
    if quiet or not sys.stderr.isatty():
        return None

    def show(index: int, count: int, name: str, elapsed: float) -> None:
        print(f"\rlevel {index + 1} of {count}: {name} ({elapsed:.1f} s)\033[K", end="", file=sys.stderr, flush=True)
    return show


def _solve(args: argparse.Namespace) -> int:
    problem = load_problem(args.problem)
    _check_output(args.output)
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


def _check_output(path: Path) -> None:
    """Refuse a result path that cannot be written before spending the solve's time on it."""
    why = _unwritable(path)
    if why:
        raise _cannot_write(path, why)


def _unwritable(path: Path) -> str | None:
    if "\0" in str(path):
        return "its name holds a NUL byte"
    try:
        if path.is_dir():
            return "it is a directory: give the result file's name"
        if path.exists() and not path.is_file():
            return "it is not a regular file"
        if not path.parent.is_dir():
            return f"the folder {path.parent} does not exist"
    except OSError as exc:      # a name too long, a loop of links
        return exc.strerror or str(exc)
    return None if os.access(path.parent, os.W_OK | os.X_OK) else "permission denied in its folder"


def _cannot_write(path: Path, why: str) -> ProblemError:
    return ProblemError(f"-o {path}", f"cannot write the result ({why})")


def _write_atomically(path: Path, text: str) -> None:
    """Write next to the target and rename, so a crash never leaves half a result.

    A write that fails (a full disk, a folder that turned out read-only) removes its
    temporary file: on status 2 nothing at all is left behind.
    """
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".result-")
    except OSError as exc:
        raise _cannot_write(path, exc.strerror or str(exc)) from None
    written = False
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
        written = True
    except OSError as exc:
        raise _cannot_write(path, exc.strerror or str(exc)) from None
    finally:
        if not written:
            Path(tmp).unlink(missing_ok=True)


def _check(args: argparse.Namespace) -> int:
    problem = load_problem(args.problem)
    breaches = validate(problem, load_result(args.result))
    for breach in breaches:
        print(one_line(str(breach)))
    print(f"{len(breaches)} breaches" if breaches else "ok: every hard rule holds", file=sys.stderr)
    return EXIT_BREACH if breaches else 0


def _explain(args: argparse.Namespace) -> int:
    problem = load_problem(args.problem)
    result = load_result(args.result, problem)
    if args.youth not in {y.id for y in problem.youths}:
        raise ProblemError("--youth", f'no youth "{args.youth}" in the problem')
    print(render_text(explain(problem, result, args.youth)))
    return 0


def _envy(args: argparse.Namespace) -> int:
    """Prints the counts as one JSON object on stdout (the same with ``justified_envy().to_dict()``)."""
    problem = load_problem(args.problem)
    report = justified_envy(problem, load_result(args.result, problem))
    print(json.dumps(report.to_dict(), ensure_ascii=False))
    return 0


def _fingerprint(args: argparse.Namespace) -> int:
    """The problem is checked like any other (a file that is no problem has no
    fingerprint to compare), then its canonical form is hashed."""
    data = read_json(args.problem)
    load_problem(data)
    print(fingerprint(data))
    return 0


if __name__ == "__main__":
    # stderr already escapes what the terminal's encoding lacks; stdout would raise instead
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="backslashreplace")
    sys.exit(main())
