"""Benchmark: friend groups and minimum sizes on the Lysekil-shaped problems of ``bench/allocation.py``.

Added to each generated problem (seeded, so figures can be reproduced):
- ``--friends``: 30 % of the youths in friend groups of two or three (two of three groups
  are pairs); in half of the groups the others copy the first member's list of choices;
  ``policy.friends`` on;
- ``--minimum``: 30 % of the activities with at least 4 places get a ``min_participants``
  between 2 and half their places.

Run: ``python bench/friends.py [--sizes 300 3000] [--friends] [--minimum]``. Prints wall
time, status and seconds per level.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from allocation import generate  # noqa: E402  (after the path is set)

import matching  # noqa: E402


def with_friends(data: dict, rng: random.Random) -> None:
    ids = [y["id"] for y in data["youths"]]
    rng.shuffle(ids)
    groups, start = [], 0
    while start < len(ids) * 0.3:
        size = rng.choice((2, 2, 3))
        groups.append(ids[start:start + size])
        start += size
    choices: dict[str, list[dict]] = {}
    for app in data["applications"]:
        choices.setdefault(app["youth"], []).append(app)
    for group in groups:
        if rng.random() < 0.5:
            for youth in group[1:]:
                choices[youth] = [{**app, "youth": youth} for app in choices.get(group[0], [])]
    data["applications"] = [app for youth in choices for app in choices[youth]]
    data["friends"] = [{"youths": g} for g in groups]
    data["policy"]["friends"] = True


def with_minimums(data: dict, rng: random.Random) -> None:
    for offer in data["offers"]:
        if offer["kind"] == "activity" and offer["capacity"] >= 4 and rng.random() < 0.3:
            offer["min_participants"] = rng.randint(2, offer["capacity"] // 2)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 3000])
    parser.add_argument("--friends", action="store_true")
    parser.add_argument("--minimum", action="store_true")
    args = parser.parse_args()
    for size in args.sizes:
        data, rng = generate(size), random.Random(f"friends:{size}")
        if args.friends:
            with_friends(data, rng)
        if args.minimum:
            with_minimums(data, rng)
        problem = matching.load_problem(data)
        start = time.perf_counter()
        result = matching.solve(problem)
        wall = time.perf_counter() - start
        assert matching.validate(problem, result) == []
        print(f"{size} youths, friends={args.friends}, minimum={args.minimum}: {wall:.1f} s, "
              f"{result.status.value}, {len(data.get('friends', []))} friend groups")
        for name, seconds in result.stats["timings"].items():
            print(f"  {name}: {seconds} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
