"""Where an opening-day journey's time goes: the journey of ``bench/opening_day.py``, run
through Flask's test client in this process (production settings, PostgreSQL, a fresh
database dropped afterwards), under cProfile.

    .venv/bin/python bench/profile_journey.py --journeys 30

Prints the mean wall time of each step, the time per request in SQL (statements and
seconds), and cProfile's functions by their own time and by cumulative time.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import re
import secrets
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

sys.modules["locust"] = None  # type: ignore[assignment]  # no gevent patching here
import opening_day  # noqa: E402  (the bench's set-up, shared)

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--journeys", type=int, default=30)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--cprofile", action="store_true",
                        help="under cProfile (slower), and print its functions")
    parser.add_argument("--database-server", default=os.environ.get(
        "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--database-prefix", default="opening_day")
    args = parser.parse_args()
    server_url = args.database_server.replace("postgresql://", "postgresql+psycopg://", 1)
    database = f"{args.database_prefix}_{secrets.token_hex(4)}"
    url = opening_day._create_database(server_url, database)
    try:
        env = opening_day._production_env(url, 5000)
        opening_day._flask(env, "db", "upgrade")
        opening_day._flask(env, "demo", "load")
        plan = opening_day._make_accounts(url, env["SECRET_KEY"], args.journeys + 1)
        os.environ.update({k: env[k] for k in ("YOUTH_APP_ENV", "SECRET_KEY", "DATABASE_URL",
                                               "PUBLIC_URL", "PROXY_X_FOR", "PROXY_X_PROTO",
                                               "MAIL_DELIVERY")})
        os.environ["LOG_FORMAT"] = "text"
        from youth_app import create_app

        app = create_app()
        _profile(app, plan, args.journeys, args.top if args.cprofile else 0)
        from youth_app.extensions import db

        with app.app_context():
            db.engine.dispose()
    finally:
        opening_day._drop_database(server_url, database)


def _profile(app, plan: dict, journeys: int, top: int) -> None:
    import sqlalchemy as sa

    from youth_app.extensions import db

    queries: dict[str, list[float]] = defaultdict(list)
    statements: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    current: dict = {"step": None, "started": 0.0}
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, many):
        context._bench_started = time.perf_counter()

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, many):
        if current["step"]:
            queries[current["step"]].append(time.perf_counter() - context._bench_started)
            if os.environ.get("PROFILE_SQL"):
                statements[current["step"]][" ".join(statement.split())[:150]] += 1

    wall: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    calls: dict[str, int] = defaultdict(int)
    base = "https://127.0.0.1:5000"
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.1",
               "Accept-Language": "sv", "Referer": base + "/"}

    def step(client, name, method, path, expect=200, **kwargs):
        current["step"] = name
        began, began_cpu = time.perf_counter(), time.process_time()
        response = client.open(path, method=method, base_url=base, headers=headers, **kwargs)
        wall[name].append(time.perf_counter() - began)
        cpu[name].append(time.process_time() - began_cpu)
        calls[name] += 1
        current["step"] = None
        assert response.status_code == expect, (name, response.status_code)
        token = CSRF.search(response.get_data(as_text=True))
        if token:
            client.csrf = token.group(1)
        return response

    def journey(email):
        client = app.test_client()
        round_id = plan["round_id"]
        step(client, "1 login form", "GET", "/login")
        step(client, "2 log in", "POST", "/login", expect=302,
             data={"csrf_token": client.csrf, "email": email, "password": plan["password"]})
        step(client, "3 My page", "GET", "/youth/")
        step(client, "4 catalogue, filtered", "GET", plan["filter"])
        offers = random.sample(plan["offers"], 5)
        for offer_id in offers[:3]:
            step(client, "5 an offer", "GET", f"/offers/{offer_id}")
        for offer_id in offers:
            step(client, "6 add a choice", "POST",
                 f"/youth/rounds/{round_id}/choices/add/{offer_id}", follow_redirects=True,
                 data={"csrf_token": client.csrf})
        order = offers[::-1]
        step(client, "7 reorder", "POST", f"/youth/rounds/{round_id}/choices/order",
             follow_redirects=True, data={"csrf_token": client.csrf,
                                          "order": ",".join(map(str, order)),
                                          "moved": str(order[0])})
        step(client, "8 log out", "POST", "/logout", follow_redirects=True,
             data={"csrf_token": client.csrf})

    emails = plan["accounts"]
    journey(emails[-1])  # warm: templates compiled, connections made
    wall.clear(), calls.clear(), queries.clear(), cpu.clear(), statements.clear()
    profiler = cProfile.Profile()
    began, began_cpu = time.perf_counter(), time.process_time()
    if top:
        profiler.enable()
    for email in emails[:journeys]:
        journey(email)
    profiler.disable()
    total, total_cpu = time.perf_counter() - began, time.process_time() - began_cpu
    print(f"{journeys} journeys in {total:.2f} s: {total / journeys * 1000:.0f} ms each, "
          f"{total_cpu / journeys * 1000:.0f} ms of this process's CPU"
          + (" (under cProfile, which slows Python code down)" if top else ""))
    print("| step | requests | wall ms per request | app CPU ms per request "
          "| SQL statements per request | SQL ms per request |")
    print("|---|---|---|---|---|---|")
    for name in sorted(wall):
        n = calls[name]
        print(f"| {name} | {n} | {1000 * sum(wall[name]) / n:.1f} | "
              f"{1000 * sum(cpu[name]) / n:.1f} | {len(queries[name]) / n:.1f} | "
              f"{1000 * sum(queries[name]) / n:.1f} |")
    if not top:
        return
    for name in sorted(statements):  # PROFILE_SQL=1: each step's statements, counted
        print(f"\n{name}:")
        for text, count in sorted(statements[name].items(), key=lambda kv: -kv[1]):
            print(f"  {count / calls[name]:5.1f}  {text}")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


if __name__ == "__main__":
    main()
