"""Opening day on one server: N youths (default 500) arrive within a few minutes, log in,
look at My page, filter the catalogue, read three offers, add five choices, reorder them
and log out, against the production set-up (gunicorn with ``gunicorn.conf.py``,
PostgreSQL, ``YOUTH_APP_ENV=production``). Loopback only; never run by the test suite.

    .venv/bin/python bench/opening_day.py                  # 500 youths over 120 s
    .venv/bin/python bench/opening_day.py --users 300
    .venv/bin/python bench/opening_day.py --overload 1500  # then 1,500 at once, no pauses

What it does: creates a fresh PostgreSQL database (``--database-prefix``, dropped at the
end), builds it with the migrations, loads the demo (``flask demo load``: its open round
and offers) and adds one account per simulated youth in bulk (one precomputed argon2
hash, OWASP's minimum parameters as the app uses them). It starts ``gunicorn wsgi:app``
from the project folder, so ``gunicorn.conf.py`` applies (``WEB_WORKERS``, ``WEB_THREADS``
and ``WEB_MAX_QUEUE_WAIT`` pass through from the environment). Plain HTTP on 127.0.0.1
stands for the reverse proxy that ends TLS: the app trusts one proxy (``PROXY_X_FOR=1``,
``PROXY_X_PROTO=1``) and each youth sends ``X-Forwarded-Proto: https``, an address of
their own in ``X-Forwarded-For``, as nginx would. With ``--stamp`` they also send the
moment of sending in ``X-Request-Start`` (nginx's time of passing the request on), which
sync workers need for load shedding; off by default, because on a shared machine the
locust process itself falls behind, and the time a youth's greenlet waits for the CPU
between stamping and sending would count as the server's queue.

Then, with locust (``pip install -e .[bench]``) in a process of its own:
1. the ceiling: ``/healthz`` (answers JSON, touches nothing) as fast as 50 clients can ask;
2. the journey's capacity: ``--capacity-users`` youths (default 50) repeat the journey
   without pauses for ``--capacity-seconds``;
3. opening day: ``--users`` youths arrive evenly over ``--arrival`` seconds, each does the
   journey once with ``--think`` seconds (a range) between steps, and leaves;
4. with ``--overload N``: N youths at once without pauses, to show load shedding (503
   with ``Retry-After``, never a 500 or a hang).

It prints, per step, requests/s, median, p95 and p99 (ms) and errors, the app's CPU
seconds per journey (gunicorn's workers, from /proc) and the load average.

This file is also the locustfile: locust imports it and finds ``Youth`` and ``Bare``.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# --- the simulated youths (imported by locust) -------------------------------------------

try:
    from locust import FastHttpUser, HttpUser, between, task
    from locust.exception import StopUser
except ImportError:  # the orchestrator runs without locust until it starts it
    HttpUser = FastHttpUser = object  # type: ignore[assignment,misc]

    def task(function):  # type: ignore[no-redef]
        return function

    def between(low, high):  # type: ignore[no-redef]
        return None

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PLAN = os.environ.get("OPENING_DAY_PLAN")


def _plan() -> dict:
    return json.loads(Path(PLAN).read_text()) if PLAN else {}


class Youth(HttpUser):
    """One youth's opening-day journey; each takes an account of their own."""

    abstract = PLAN is None or _plan().get("mode") == "bare"
    _accounts = iter(_plan().get("accounts", []))

    def on_start(self):
        plan = _plan()
        self.plan = plan
        self.once = plan["mode"] == "once"
        self.think = plan["think"]
        self.email = next(Youth._accounts, None)
        if self.email is None:
            raise StopUser()
        rebuild_auth = self.client.rebuild_auth

        def restamp(prepared, response):  # a redirect is a new request through the proxy
            rebuild_auth(prepared, response)
            prepared.headers["X-Request-Start"] = f"t={time.time():.3f}"
        if self.plan["stamp"]:
            self.client.rebuild_auth = restamp
        number = int(self.email.split("@")[0].removeprefix("bench"))
        self.client.headers.update({
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}",
            "Accept-Language": "sv-SE,sv;q=0.9",
            # Flask-WTF checks an https request's Referer against its own host.
            "Referer": self.host.replace("http://", "https://", 1) + "/"})

    def pause(self):
        if self.think[1] > 0:
            time.sleep(random.uniform(*self.think))  # gevent-patched: a cooperative sleep

    def step(self, name, method, path, *, expect=200, **kwargs):
        # The proxy stamps when it passed the request on: the app's queue time.
        stamp = {"X-Request-Start": f"t={time.time():.3f}"} if self.plan["stamp"] else {}
        with self.client.request(method, path, name=name, catch_response=True,
                                 headers=stamp, **kwargs) as response:
            # The proxy speaks https to the browser: its Secure cookies come back over
            # this plain loopback HTTP, as a browser sends them to the proxy.
            for cookie in self.client.cookies:
                cookie.secure = False
            if response.status_code != expect:
                error = f" {type(response.error).__name__}" if response.error else ""
                response.failure(f"{response.status_code}{error}")
                return None
            token = CSRF.search(response.text or "")
            if token:
                self.csrf = token.group(1)
            response.success()
            return response

    @task
    def journey(self):
        """The steps in order; a step that fails (a 503 while the server sheds load)
        ends the journey, as a youth would come back later rather than go on."""
        plan, round_id = self.plan, self.plan["round_id"]
        self.csrf = ""
        self.client.cookies.clear()
        offers = random.sample(plan["offers"], 5)
        order = offers[::-1]
        steps = [("1 login form", "GET", "/login", {}),
                 ("2 log in", "POST", "/login", {
                     "expect": 302, "allow_redirects": False,
                     "data": lambda: {"csrf_token": self.csrf, "email": self.email,
                                      "password": plan["password"]}}),
                 ("3 My page", "GET", "/youth/", {}),
                 ("4 catalogue, filtered", "GET", plan["filter"], {})]
        steps += [("5 an offer", "GET", f"/offers/{offer_id}", {}) for offer_id in offers[:3]]
        steps += [("6 add a choice", "POST", f"/youth/rounds/{round_id}/choices/add/{offer_id}",
                   {"data": lambda: {"csrf_token": self.csrf}}) for offer_id in offers]
        steps += [("7 reorder", "POST", f"/youth/rounds/{round_id}/choices/order", {
                      "data": lambda: {"csrf_token": self.csrf,
                                       "order": ",".join(map(str, order)),
                                       "moved": str(order[0])}}),
                  ("8 log out", "POST", "/logout",
                   {"data": lambda: {"csrf_token": self.csrf}})]
        for index, (name, method, path, options) in enumerate(steps):
            if index and name != "3 My page":
                self.pause()
            options = {k: (v() if callable(v) else v) for k, v in options.items()}
            if self.step(name, method, path, **options) is None:
                break
        self.done()

    def done(self):
        if self.once:
            raise StopUser()


class Bare(FastHttpUser):
    """The ceiling: the same server's cheapest answer."""

    abstract = PLAN is None or _plan().get("mode") != "bare"

    @task
    def healthz(self):
        self.client.get("/healthz", name="/healthz")


# --- the orchestrator -------------------------------------------------------------------

PASSWORD = "opening-day-2026"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--arrival", type=float, default=120,
                        help="seconds over which the youths arrive (default 120)")
    parser.add_argument("--think", default="1,3",
                        help="seconds between a youth's steps, a range (default 1,3)")
    parser.add_argument("--capacity-users", type=int, default=50)
    parser.add_argument("--capacity-seconds", type=int, default=40)
    parser.add_argument("--ceiling-seconds", type=int, default=15)
    parser.add_argument("--overload", type=int, default=0,
                        help="then this many youths at once, without pauses")
    parser.add_argument("--stamp", action="store_true",
                        help="send X-Request-Start, as nginx does (sync workers shed by it)")
    parser.add_argument("--database-server", default=os.environ.get(
        "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--database-prefix", default="opening_day")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    think = tuple(float(x) for x in args.think.split(","))
    accounts = args.users + args.capacity_users + args.overload

    server_url = args.database_server.replace("postgresql://", "postgresql+psycopg://", 1)
    database = f"{args.database_prefix}_{secrets.token_hex(4)}"
    url = _create_database(server_url, database)
    folder = Path(tempfile.mkdtemp(prefix="opening_day_"))
    port = _free_port()
    env = _production_env(url, port)
    gunicorn = None
    try:
        print(f"database {database}; setting up {accounts} accounts ...", flush=True)
        _flask(env, "db", "upgrade")
        _flask(env, "demo", "load")
        plan = {**_make_accounts(url, env["SECRET_KEY"], accounts), "stamp": args.stamp}
        gunicorn = _start_gunicorn(env, port, folder / "gunicorn.log")
        host = f"http://127.0.0.1:{port}"
        workers, threads = _workers(gunicorn.pid), os.environ.get("WEB_THREADS", "1")
        print(f"gunicorn on {host}: {len(workers)} workers x {threads} threads, "
              f"WEB_MAX_QUEUE_WAIT={os.environ.get('WEB_MAX_QUEUE_WAIT', '2')}; "
              f"{os.cpu_count()} cores; load average before: {_load()}", flush=True)

        emails = plan.pop("accounts")
        ceiling = _locust(folder, "bare", host, {**plan, "accounts": []}, users=50,
                          rate=50, seconds=args.ceiling_seconds)
        bare = ceiling["Aggregated"]
        print(f"\nceiling, /healthz with 50 clients: {bare['rps']:.0f} requests/s, "
              f"median {bare['median']:.0f} ms", flush=True)

        used = 0
        if args.capacity_users:
            part = emails[used:used + args.capacity_users]
            used += len(part)
            cpu = _cpu(gunicorn.pid)
            stats = _locust(folder, "repeat", host, {**plan, "accounts": part, "think": [0, 0]},
                            users=len(part), rate=len(part), seconds=args.capacity_seconds)
            cpu = _cpu(gunicorn.pid) - cpu
            journeys = stats.get("8 log out", {}).get("count", 0)
            _print(f"capacity: {len(part)} youths repeating the journey without pauses "
                   f"for {args.capacity_seconds} s", stats, cpu, journeys, bare["rps"])

        part = emails[used:used + args.users]
        used += len(part)
        cpu = _cpu(gunicorn.pid)
        stats = _locust(folder, "once", host, {**plan, "accounts": part, "think": list(think)},
                        users=len(part), rate=len(part) / args.arrival,
                        seconds=int(args.arrival + 60 + 25 * max(think)))
        cpu = _cpu(gunicorn.pid) - cpu
        _print(f"opening day: {len(part)} youths arriving over {args.arrival:.0f} s, "
               f"{think[0]:g}-{think[1]:g} s between steps", stats, cpu, len(part), bare["rps"])

        if args.overload:
            part = emails[used:used + args.overload]
            cpu = _cpu(gunicorn.pid)
            stats = _locust(folder, "once", host, {**plan, "accounts": part, "think": [0, 0]},
                            users=len(part), rate=len(part), seconds=90)
            cpu = _cpu(gunicorn.pid) - cpu
            _print(f"overload: {len(part)} youths at once, no pauses", stats, cpu,
                   len(part), bare["rps"])
        print(f"\nload average after: {_load()}")
        print(f"(log: {folder / 'gunicorn.log'})")
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            try:
                gunicorn.wait(30)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        if not args.keep:
            _drop_database(server_url, database)


def _production_env(url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (
        "DATABASE_URL", "REDIS_URL", "MAIL_SERVER", "FLASK_APP", "FLASK_DEBUG")}
    env.update({
        "PYTHONPATH": str(ROOT), "YOUTH_APP_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": url,
        "PUBLIC_URL": f"https://127.0.0.1:{port}", "PROXY_X_FOR": "1", "PROXY_X_PROTO": "1",
        "WEB_BIND": f"127.0.0.1:{port}",
        # No SMTP server here: the received-application mail waits in the outbox.
        "MAIL_DELIVERY": "command"})
    return env


def _flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=600)


def _make_accounts(url: str, secret: str, count: int) -> dict:
    """``count`` youths aged 16 on the round's reference day, without choices, each with
    an account (``bench<N>@opening-day.example``); the plan the youths follow."""
    import sqlalchemy as sa

    from youth_app import create_app, demo, security
    from youth_app.extensions import db
    from youth_app.models import (District, Offer, OfferStatus, Role, Round, RoundState,
                                  User, YouthProfile, utcnow)

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret,
                      "MAIL_SERVER": None, "PUBLIC_URL": "https://127.0.0.1"})
    with app.app_context():
        round_ = db.session.scalar(sa.select(Round).where(Round.state == RoundState.OPEN)
                                   .order_by(Round.application_closes_at.desc()))
        offers = [o.id for o in db.session.scalars(sa.select(Offer).where(
            Offer.round_id == round_.id, Offer.status == OfferStatus.PUBLISHED,
            Offer.min_age <= 16, Offer.max_age >= 16))]
        districts = list(db.session.scalars(sa.select(District)))
        used = set(db.session.scalars(sa.select(YouthProfile.personal_number)))
        password_hash = security.hash_password(PASSWORD)
        rng, now = random.Random(12), utcnow()
        born = round_.reference_date.replace(year=round_.reference_date.year - 17)
        emails = []
        for index in range(count):
            email = f"bench{index}@opening-day.example"
            day = born + _days(1 + index % 360)
            user = User(email=email, password_hash=password_hash, role=Role.YOUTH,
                        email_confirmed_at=now)
            db.session.add(YouthProfile(
                user=user, first_name="Bench", last_name=f"Youth {index}", date_of_birth=day,
                personal_number=demo._personal_number(day, rng, used), private_email=email,
                district=districts[index % len(districts)], school_year=9, languages=["sv"]))
            emails.append(email)
        db.session.commit()
        plan = {"round_id": round_.id, "offers": offers, "password": PASSWORD,
                "filter": "/offers/?kind=job&age=16", "accounts": emails}
        db.session.remove()
        db.engine.dispose()
    if len(offers) < 5:
        raise SystemExit(f"the demo round has only {len(offers)} offers for a 16-year-old")
    return plan


def _days(n: int):
    from datetime import timedelta

    return timedelta(days=n)


def _start_gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    import urllib.request

    with open(log, "ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "wsgi:app",
                                    "--config", "gunicorn.conf.py"], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited: see {log}")
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz")
            with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 (loopback)
                if answer.status == 200:
                    time.sleep(2)  # every worker up
                    return process
        except OSError:
            time.sleep(0.25)
    process.kill()
    raise SystemExit(f"gunicorn did not answer within 120 s: see {log}")


def _locust(folder: Path, mode: str, host: str, plan: dict, *, users: int, rate: float,
            seconds: int) -> dict[str, dict]:
    plan_file = folder / f"plan-{mode}-{time.monotonic_ns()}.json"
    plan_file.write_text(json.dumps({**plan, "mode": mode}))
    prefix = folder / plan_file.stem
    env = {**os.environ, "OPENING_DAY_PLAN": str(plan_file), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "locust", "-f", __file__, "--headless", "--host", host,
               "--users", str(users), "--spawn-rate", f"{rate:.3f}", "--run-time",
               f"{seconds}s", "--csv", str(prefix), "--only-summary", "--loglevel", "ERROR",
               "--exit-code-on-error", "0", "--stop-timeout", "10"]
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=seconds + 120,
                   stdout=subprocess.DEVNULL, stderr=open(folder / "locust.log", "ab"))
    stats = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            stats[row["Name"]] = {
                "count": int(row["Request Count"]), "errors": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]), "median": float(row["50%"] or 0),
                "p95": float(row["95%"] or 0), "p99": float(row["99%"] or 0),
                "max": float(row["Max Response Time"] or 0)}
    failures = {}
    if Path(f"{prefix}_failures.csv").exists():
        with open(f"{prefix}_failures.csv", newline="") as handle:
            for row in csv.DictReader(handle):
                failures[f"{row['Name']}: {row['Error']}"] = int(row["Occurrences"])
    stats["Aggregated"]["failures"] = failures
    return stats


def _print(title: str, stats: dict, cpu: float, journeys: int, ceiling: float) -> None:
    print(f"\n{title}; load average {_load()}")
    print("| step | requests | requests/s | median ms | p95 ms | p99 ms | max ms | errors |")
    print("|---|---|---|---|---|---|---|---|")
    for name in sorted(stats):
        row = stats[name]
        label = "all steps" if name == "Aggregated" else name
        print(f"| {label} | {row['count']:,} | {row['rps']:.1f} | {row['median']:.0f} | "
              f"{row['p95']:.0f} | {row['p99']:.0f} | {row['max']:.0f} | {row['errors']} |")
    total = stats["Aggregated"]
    if total["failures"]:
        print("errors: " + "; ".join(f"{k} x{v}" for k, v in total["failures"].items()))
    print(f"app CPU {cpu:.1f} s: {1000 * cpu / max(total['count'], 1):.1f} ms per request")
    if journeys:
        print(f"app CPU {cpu:.1f} s: {cpu / journeys:.3f} s per journey "
              f"({total['count'] / journeys:.0f} requests); {total['rps']:.1f} requests/s "
              f"= {100 * total['rps'] / ceiling:.0f} % of the ceiling's {ceiling:.0f}")


def _workers(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) the gunicorn workers have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for worker in _workers(pid):
        try:
            fields = Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _create_database(server_url: str, name: str) -> str:
    import sqlalchemy as sa

    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _drop_database(server_url: str, name: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


if __name__ == "__main__":
    main()
