"""Benchmark: seeded Lysekil-shaped problems at 300 to 100,000 youths.

Shape of a generated problem (documented so figures can be reproduced):
- offers = youths / 20; 55 % are summer jobs in one of three periods
  (2026-W26..W28, W29..W31, W32..W33), 45 % are leisure activities of one or two
  consecutive weeks between W26 and W33;
- seats: about half the demand (total capacity = youths / 2, spread 2..30 per offer);
- every youth ranks five distinct offers; popularity is skewed (Zipf, s = 0.8), so a
  few offers are wanted by many;
- ages 14..19; jobs take 15/16..19, activities 13..19, so some choices are out of age;
- tiers: 10 % "targeted", 25 % "no_previous_placement";
- policy: two places per youth, one job; a few locks, forbidden pairs and apart groups.

Run: ``python bench/allocation.py [--sizes 300 3000 20000 100000] [--seed 7]
[--solvers highs flow] [--time-limit SECONDS]``.
Each solver runs in its own process, one after the other (so peak memory is its own).
Prints build time, time per level, wall and CPU time, peak memory (RSS of that process)
and status per solver, whether the result files are the same apart from ``stats.solver``
and timings, then a quality table of the optimiser (the first solver's result) against
deferred acceptance (``stable``) and random serial dictatorship, and each method's
justified envy (``matching.justified_envy``).
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PERIODS = (("2026-W26", "2026-W27", "2026-W28"), ("2026-W29", "2026-W30", "2026-W31"),
           ("2026-W32", "2026-W33"))
DISTRICTS = ("Lysekil", "Brastad", "Skaftö", "Grundsund", "Fiskebäckskil", "Lyse")


def generate(youths: int, seed: int = 7) -> dict:
    """A problem dict in the youth-allocation/1 format; same (youths, seed) -> same dict."""
    rng = random.Random(f"bench:{youths}:{seed}")
    offers = [_offer(rng, j) for j in range(max(2, youths // 20))]
    _spread_capacity(rng, offers, youths // 2)
    people = [_youth(rng, i) for i in range(youths)]
    applications = _applications(rng, people, offers)
    locked, forbidden, apart = _caseworker_lists(rng, people, offers, applications)
    return {"format": "youth-allocation/1",
            "policy": {"seed": seed, "max_places_per_youth": 2, "max_jobs_per_youth": 1,
                       "priority_tiers": ["targeted", "no_previous_placement"], "priority_ranks": True},
            "youths": people, "offers": offers, "applications": applications,
            "locked": locked, "forbidden": forbidden, "apart": apart}


def _offer(rng: random.Random, j: int) -> dict:
    if rng.random() < 0.55:
        return {"id": f"J{j + 1}", "kind": "job", "capacity": 0, "min_age": rng.choice((15, 16)),
                "max_age": 19, "weeks": list(rng.choice(PERIODS))}
    start = rng.randint(26, 33)
    weeks = [f"2026-W{w}" for w in range(start, min(33, start + rng.randint(0, 1)) + 1)]
    return {"id": f"A{j + 1}", "kind": "activity", "capacity": 0, "min_age": 13, "max_age": 19,
            "weeks": weeks}


def _spread_capacity(rng: random.Random, offers: list[dict], total: int) -> None:
    for offer in offers:
        offer["capacity"] = 2
    for _ in range(max(0, total - 2 * len(offers))):
        offer = rng.choice(offers)
        if offer["capacity"] < 30:
            offer["capacity"] += 1


def _youth(rng: random.Random, i: int) -> dict:
    roll = rng.random()
    groups = ["targeted"] if roll < 0.10 else ["no_previous_placement"] if roll < 0.35 else []
    return {"id": f"Y{i + 1}", "age": rng.randint(14, 19), "groups": groups,
            "district": rng.choice(DISTRICTS), "gender": rng.choice(("f", "m", "f", "m", "x"))}


def _applications(rng: random.Random, people: list[dict], offers: list[dict]) -> list[dict]:
    order = list(range(len(offers)))
    rng.shuffle(order)
    weights = [0.0] * len(offers)
    for position, j in enumerate(order):
        weights[j] = 1.0 / (position + 1) ** 0.8
    cumulative, acc = [], 0.0
    for w in weights:
        acc += w
        cumulative.append(acc)
    out = []
    for youth in people:
        chosen: list[int] = []
        while len(chosen) < min(5, len(offers)):
            j = rng.choices(range(len(offers)), cum_weights=cumulative)[0]
            if j not in chosen:
                chosen.append(j)
        out.extend({"youth": youth["id"], "offer": offers[j]["id"], "rank": r + 1}
                   for r, j in enumerate(chosen))
    return out


def _caseworker_lists(rng, people, offers, applications):
    """Locks on first choices that fit (0.2 %), forbidden pairs (0.1 %), apart groups (0.2 %)."""
    by_id = {o["id"]: o for o in offers}
    used: dict[str, int] = {}
    locked, forbidden = [], []
    firsts = [a for a in applications if a["rank"] == 1]
    for app in rng.sample(firsts, len(firsts) // 500):
        offer, youth = by_id[app["offer"]], people[int(app["youth"][1:]) - 1]
        if offer["min_age"] <= youth["age"] <= offer["max_age"] and used.get(offer["id"], 0) < offer["capacity"] // 2:
            used[offer["id"]] = used.get(offer["id"], 0) + 1
            locked.append({"youth": app["youth"], "offer": app["offer"]})
    locked_youths = {p["youth"] for p in locked}
    for app in rng.sample(applications, len(applications) // 1000):
        if app["youth"] not in locked_youths:
            forbidden.append({"youth": app["youth"], "offer": app["offer"]})
    forbidden = list({(p["youth"], p["offer"]): p for p in forbidden}.values())
    free = [y["id"] for y in people if y["id"] not in locked_youths]
    apart = [{"youths": rng.sample(free, rng.randint(2, 3))} for _ in range(len(people) // 500)]
    return locked, forbidden, apart


def measure(youths: int, seed: int, solver: str, threads: int | None, time_limit: float | None = None,
            quality: bool = True, out: str | None = None) -> dict:
    """Generate, solve (and with ``quality`` the other methods too), and return the figures for one size.
    ``out``: write the result file there, without timings and ``stats.solver``, to compare solvers."""
    import matching

    problem = matching.load_problem(generate(youths, seed))
    started, cpu = time.perf_counter(), time.process_time()
    result = matching.solve(problem, solver=solver, threads=threads, time_limit=time_limit)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    if out:
        data = result.to_dict(timings=False)
        data["stats"].pop("solver", None)
        Path(out).write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    figures = {"youths": youths, "solver": solver, "ran": result.stats.get("solver", {}).get("name"),
               "declined": result.stats.get("solver", {}).get("flow_declined"),
               "status": result.status.value, "wall": round(wall, 2), "cpu": round(cpu, 2),
               "timings": result.stats["timings"], "peak_mb": _peak_mb(),
               "breaches": len(matching.validate(problem, result)),
               "levels": {lv.name: [lv.value, lv.proven, lv.bound] for lv in result.levels},
               "cut_short": result.stats.get("cut_short"), "load": _load_average(), "quality": quality}
    if not quality:
        return figures
    baseline = matching.solve(problem, method="rsd")
    started = time.perf_counter()
    stable = matching.solve(problem, method="stable")
    stable_wall = time.perf_counter() - started
    runs = {"optimal": result, "rsd": baseline, "stable": stable}
    figures["breaches"] = sum(len(matching.validate(problem, r)) for r in runs.values())
    return {**figures, "stable_wall": round(stable_wall, 2),
            **{name: _quality(problem, r) for name, r in runs.items()},
            "envy": {name: matching.justified_envy(problem, r).to_dict() for name, r in runs.items()}}


def _load_average() -> str:
    """The 1-, 5- and 15-minute load averages: the machine's 2 cores may be shared."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _peak_mb() -> int:
    """Peak resident memory of this process (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _quality(problem, result) -> dict:
    stats = result.stats
    ranks = [a.rank for a in result.assignments if a.rank]
    return {"placed": stats["placed"] / max(1, stats["applicants"]),
            "tiers": {t: v["rate"] for t, v in stats["by_tier"].items()},
            "first_choice": sum(r == 1 for r in ranks) / max(1, len(ranks)),
            "mean_rank": sum(ranks) / max(1, len(ranks)), "places": stats["places"]}


def _print(figures: dict) -> None:
    t = figures["timings"]
    level_times = ", ".join(f"{k.split(': ', 1)[1]} {v:.2f}" for k, v in t.items() if k.startswith("level"))
    ran = figures["ran"] if figures["ran"] == figures["solver"] else f"{figures['ran']} (asked: {figures['solver']})"
    print(f"\n## {figures['youths']:,} youths, {ran}: {figures['status']}, wall {figures['wall']:.2f} s, "
          f"CPU {figures['cpu']:.2f} s, peak memory {figures['peak_mb']} MB, breaches {figures['breaches']}, "
          f"load average before the solve ended {figures['load']}")
    if figures["declined"]:
        print(f"the flow declined: {figures['declined']}")
    if figures["cut_short"]:
        print(f"cut short: {figures['cut_short']}")
    print(f"encode {t.get('encode', 0):.2f} s, PuLP model {t.get('model', 0):.2f} s, "
          f"load into HiGHS {t.get('load', 0):.2f} s, network {t.get('network', 0):.2f} s, "
          f"tie-break {t.get('tie_break', 0):.2f} s")
    print(f"solve per level (s): {level_times}")
    earlier = {k: v for k, v in t.items() if k.startswith("network ")}
    if earlier:
        print(f"earlier networks of the flow: {sum(earlier.values()):.2f} s in all")
    print("levels: " + ", ".join(f"{name} {v[0]}{'' if v[1] else ' (not proven, bound ' + str(v[2]) + ')'}"
                                 for name, v in figures["levels"].items()))
    if not figures["quality"]:
        return
    print("| method | placed | " + " | ".join(f"tier {k}" for k in figures["optimal"]["tiers"])
          + " | first choice | mean rank | places |")
    print("|---" * (5 + len(figures["optimal"]["tiers"])) + "|")
    for name in ("optimal", "stable", "rsd"):
        q = figures[name]
        tiers = " | ".join(f"{v:.1%}" for v in q["tiers"].values())
        print(f"| {name} | {q['placed']:.1%} | {tiers} | {q['first_choice']:.1%} | {q['mean_rank']:.2f} | {q['places']} |")
    best, base = figures["optimal"], figures["rsd"]
    at_least = best["placed"] >= base["placed"] and all(
        best["tiers"][t] >= base["tiers"][t] for t in base["tiers"] if t != "none")
    print(f"optimiser places at least as many youths, and of each tier, as rsd: {'yes' if at_least else 'NO'}")
    print(f"stable (deferred acceptance) wall {figures['stable_wall']:.2f} s. Justified envy (youths with "
          "any; of them unplaced; per tier; envy triples; unclaimed seats):")
    for name in ("optimal", "stable", "rsd"):
        e = figures["envy"][name]
        tiers = ", ".join(f"{k} {v}" for k, v in e["by_tier"].items())
        print(f"- {name}: {e['youths']} youths ({e['unplaced']} unplaced; {tiers}); "
              f"{e['envies']} triples; {e['unclaimed']} unclaimed")


def compare_building(youths: int, seed: int) -> None:
    """PuLP's usual lpSum / += building against ours (one LpAffineExpression per row, one extend)."""
    import pulp

    import matching
    from matching.encoder import encode
    from matching.model import build_model

    enc = encode(matching.load_problem(generate(youths, seed)))
    started = time.perf_counter()
    build_model(enc)
    fast = time.perf_counter() - started
    started = time.perf_counter()
    prob = pulp.LpProblem("usual", pulp.LpMaximize)
    x = prob.add_variable_dict("x", range(enc.n_pairs), 0, 1, pulp.LpInteger)
    y = prob.add_variable_dict("y", range(len(enc.youth_ids)), 0, 1, pulp.LpInteger)
    for row in enc.rows:
        prob += pulp.lpSum(x[k] for k in row.pairs) <= row.limit, row.name
    for i, pairs in enumerate(enc.youth_pairs):
        prob += y[i] - pulp.lpSum(x[k] for k in pairs) <= 0, f"placed_{i}"
    usual = time.perf_counter() - started
    print(f"{youths:,} youths: lpSum and += {usual:.2f} s; LpAffineExpression rows and one extend {fast:.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 3000, 20000, 100000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--solvers", "--solver", nargs="+", default=["highs", "flow"], help="default: highs flow")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--time-limit", type=float, default=None, metavar="SECONDS")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--no-quality", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--keep", metavar="FOLDER", help="keep the result files (less timings and stats.solver) there")
    parser.add_argument("--building", action="store_true", help="only compare ways of building the PuLP model")
    args = parser.parse_args()
    if args.building:
        for size in args.sizes:
            compare_building(size, args.seed)
        return 0
    if args.one:
        print(json.dumps(measure(args.one, args.seed, args.solvers[0], args.threads, args.time_limit,
                                 not args.no_quality, args.out)))
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep or scratch
        for size in args.sizes:   # one process per size and solver, so peak memory is that run's own
            files = []
            for n, solver in enumerate(args.solvers):
                files.append(str(Path(tmp) / f"{size}-{solver}.json"))
                cmd = [sys.executable, __file__, "--one", str(size), "--seed", str(args.seed), "--solvers", solver,
                       "--out", files[-1]]
                cmd += ["--threads", str(args.threads)] if args.threads else []
                cmd += ["--time-limit", str(args.time_limit)] if args.time_limit else []
                cmd += ["--no-quality"] if n else []
                out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
                _print(json.loads(out.strip().splitlines()[-1]))
            if len(files) > 1:
                same = len({Path(f).read_bytes() for f in files}) == 1
                print(f"\nresult files of {' and '.join(args.solvers)} (less timings and stats.solver): "
                      f"{'byte-identical' if same else 'DIFFERENT'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
