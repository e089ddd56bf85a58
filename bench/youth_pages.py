"""Benchmark: a youth's pages and the progress poll after a run of N youths.

Loads N youths (default 20,000) into a database, with the shape of ``allocation.py``
(``generate``: offers = youths / 20, five ranked choices each, Zipf popularity, a tenth
in a priority group), closes the round and solves it through the app's own services
(``allocation.close``, ``start_run``, ``execute``: the real ``_store`` path, which also
writes each youth's outcome), marks the run's proposals as sent (as ``publish`` would,
without its e-mail), and then times through the Flask test client, median of
``--repeat`` requests each: a youth's My page, their result page ("why I got what I
got"), the progress poll of the run, and, for reference, the staff pages of the run.

Run: ``python bench/youth_pages.py --database postgresql+psycopg://.../db --reset
[--youths 100000] [--method stable]``. Without ``--database``, an SQLite file in a
temporary folder. ``--reset`` drops every table of the named database first: it is
refused on a database that holds tables unless given.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyotp  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from allocation import generate  # noqa: E402  # bench/allocation.py: the same shape

PASSWORD = "bench-password-1234"


def make_app(url: str):
    from youth_app import create_app

    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                       "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost",
                       "ALLOCATION_INLINE": True})


def prepare(reset: bool) -> None:
    from youth_app.extensions import db

    tables = sa.inspect(db.engine).get_table_names()
    if tables and not reset:
        sys.exit(f"the database holds {len(tables)} tables: give --reset to drop them")
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    db.drop_all()
    db.create_all()


def load(youths: int, seed: int) -> dict:
    """Round, offers, youths, applications and a priority group, in bulk; returns ids."""
    from youth_app import security
    from youth_app.extensions import db
    from youth_app.identity import with_check_digit
    from youth_app.models import (Application, District, Offer, OfferKind, OfferStatus,
                                  Organisation, OrganisationKind, PriorityGroup,
                                  PriorityMembership, Role, Round, RoundState, User,
                                  YouthProfile, utcnow)

    shape = generate(youths, seed)
    now, hashed = utcnow(), security.hash_password(PASSWORD)
    district = District(name="Lysekil")
    org = Organisation(name="Benchmark", kind=OrganisationKind.ASSOCIATION,
                       org_number="2120000000", contact_name="Bench",
                       contact_email="bench@bench.example", terms_accepted_at=now,
                       approved_at=now)
    round_ = Round(name="Bench summer", state=RoundState.OPEN,
                   application_opens_at=now - timedelta(days=30),
                   application_closes_at=now + timedelta(days=1),
                   reference_date=date(2026, 6, 15),
                   policy={"max_places_per_youth": 2, "max_jobs_per_youth": 1,
                           "priority_tiers": ["targeted"], "priority_ranks": True})
    group = PriorityGroup(code="targeted", name="Targeted")
    admin = User(email="admin@bench.example", password_hash=hashed, role=Role.ADMINISTRATOR,
                 email_confirmed_at=now, totp_secret=pyotp.random_base32())
    db.session.add_all([district, org, round_, group, admin])
    db.session.flush()
    offer_ids = {}
    for o in shape["offers"]:
        offer = Offer(organisation_id=org.id, round_id=round_.id, status=OfferStatus.PUBLISHED,
                      kind=OfferKind.JOB if o["kind"] == "job" else OfferKind.ACTIVITY,
                      title=f"Offer {o['id']}", capacity=o["capacity"], min_age=o["min_age"],
                      max_age=o["max_age"], weeks=list(o["weeks"]),
                      district_id=district.id)
        db.session.add(offer)
        offer_ids[o["id"]] = offer
    db.session.flush()
    offer_ids = {key: offer.id for key, offer in offer_ids.items()}
    users, profiles, members = [], [], []
    for i, y in enumerate(shape["youths"], start=1):
        born = date(2026 - y["age"], 1, 1) + timedelta(days=i % 160)
        number = f"{born.year // 100}{with_check_digit(f'{born:%y%m%d}{i // 160 % 1000:03d}')}"
        users.append({"id": 1000 + i, "email": f"youth{i}@bench.example", "password_hash": hashed,
                      "role": Role.YOUTH, "email_confirmed_at": now, "active": True,
                      "auditor": False, "created_at": now})
        profiles.append({"id": i, "user_id": 1000 + i, "first_name": f"Youth{i}",
                         "last_name": "Bench", "date_of_birth": born,
                         "personal_number": number,
                         "district_id": district.id, "languages": [], "resident": True,
                         "created_at": now})
        if "targeted" in y["groups"]:
            members.append({"group_id": group.id, "youth_id": i, "set_at": now})
    applications = [{"round_id": round_.id, "youth_id": int(a["youth"][1:]),
                     "offer_id": offer_ids[a["offer"]], "rank": a["rank"], "created_at": now}
                    for a in shape["applications"]]
    for model, rows in ((User, users), (YouthProfile, profiles),
                        (PriorityMembership, members), (Application, applications)):
        for start in range(0, len(rows), 5000):
            db.session.execute(sa.insert(model), rows[start:start + 5000])
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT setval('user_account_id_seq', 1000000)"))
    db.session.commit()
    return {"round": round_.id, "admin": admin.id, "totp": admin.totp_secret}


def allocate(round_id: int, method: str) -> tuple[int, dict[str, float]]:
    """Close, run and mark sent, through the app's services; returns the run and times."""
    from youth_app.allocation import services as allocation
    from youth_app.extensions import db
    from youth_app.models import AllocationRun, Placement, PlacementState, Round, RoundState, utcnow

    times = {}
    started = time.perf_counter()
    round_ = db.session.get(Round, round_id)
    allocation.close(round_)
    db.session.commit()
    times["close (freeze the problem)"] = time.perf_counter() - started
    started = time.perf_counter()
    run = allocation.start_run(round_, method=method)
    db.session.commit()
    run_id = run.id
    times["start a run (build the problem)"] = time.perf_counter() - started
    stored = _timed_outcomes()
    started = time.perf_counter()
    allocation.execute(run_id)
    times[f"solve ({method}) and store the result"] = time.perf_counter() - started
    if stored:
        times["of which: store the per-youth outcomes"] = stored[0]
    run = db.session.get(AllocationRun, run_id)
    if not run.succeeded:
        sys.exit(f"the run did not succeed: {run.status} {run.error}")
    # What publish does to the pages read here, without writing N e-mails.
    now = utcnow()
    db.session.execute(sa.update(Placement).where(Placement.run_id == run_id).values(
        state=PlacementState.OFFERED, offered_at=now, reply_by=now + timedelta(days=7)))
    run.published_at = now
    db.session.get(Round, round_id).move_to(RoundState.PUBLISHED)
    db.session.commit()
    return run_id, times


def _timed_outcomes() -> list[float]:
    """Time ``outcomes.store`` within the run (absent before per-youth outcomes)."""
    try:
        from youth_app.allocation import outcomes
    except ImportError:
        return []
    seconds: list[float] = []
    store = outcomes.store

    def timed_store(*args, **kwargs):
        started = time.perf_counter()
        try:
            return store(*args, **kwargs)
        finally:
            seconds.append(time.perf_counter() - started)

    outcomes.store = timed_store  # type: ignore[assignment]
    return seconds


class Statements:
    """Counts the statements a request issues, and whether one reads the run's result."""

    def __init__(self, engine) -> None:
        self.count, self.whole_run = 0, False
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.count += 1
        self.whole_run |= "allocation_run.result" in statement \
            or "allocation_run.problem" in statement


def timed(client, url: str, repeat: int, statements: Statements) -> dict:
    walls, cpus, sizes, counts, whole = [], [], [], [], False
    for _ in range(repeat):
        statements.count, statements.whole_run = 0, False
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
        sizes.append(len(response.data))
        counts.append(statements.count)
        whole |= statements.whole_run
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus),
            "bytes": max(sizes), "statements": max(counts), "whole_run": whole}


def log_in(app, email: str, totp: str | None = None):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    if totp and response.headers.get("Location", "").startswith("/login/code"):
        response = client.post(response.headers["Location"], data={"code": pyotp.TOTP(totp).now()})
    assert response.status_code == 302 and "/login" not in response.headers["Location"], \
        f"could not log in as {email}"
    return client


def pages(app, ids: dict, run_id: int, repeat: int) -> list[tuple[str, dict]]:
    from youth_app.extensions import db
    from youth_app.models import Placement, User

    with app.app_context():
        placed = db.session.scalar(sa.select(Placement.youth_id).where(
            Placement.run_id == run_id).order_by(Placement.youth_id).limit(1))
        email = db.session.scalar(sa.select(User.email).where(User.id == 1000 + placed))
        statements = Statements(db.engine)
    youth, admin = log_in(app, email), log_in(app, "admin@bench.example", ids["totp"])
    return [
        ("youth: My page", timed(youth, "/youth/", repeat, statements)),
        ("youth: result page (why I got what I got)",
         timed(youth, f"/youth/rounds/{ids['round']}/result", repeat, statements)),
        ("staff: progress poll of the run",
         timed(admin, f"/admin/runs/{run_id}/progress.json", repeat, statements)),
        ("staff: one youth's explanation",
         timed(admin, f"/admin/runs/{run_id}/youths/Y{placed}", max(3, repeat // 4), statements)),
        ("staff: run review", timed(admin, f"/admin/runs/{run_id}", max(3, repeat // 4),
                                    statements)),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--youths", type=int, default=20000)
    parser.add_argument("--database", help="SQLAlchemy URL; an SQLite file if not given")
    parser.add_argument("--reset", action="store_true", help="drop every table of --database first")
    parser.add_argument("--method", default="stable", help="the run's method (optimal, stable, rsd)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = make_app(url)
    with app.app_context():
        prepare(args.reset or not args.database)
        started = time.perf_counter()
        ids = load(args.youths, args.seed)
        setup = {"load youths, offers and choices": time.perf_counter() - started}
        run_id, times = allocate(ids["round"], args.method)
        setup.update(times)
        from youth_app.extensions import db
        db.session.remove()
    results = pages(app, ids, run_id, args.repeat)
    print(f"\n## {args.youths:,} youths, {sa.make_url(url).get_backend_name()}, "
          f"method {args.method}\n")
    for step, seconds in setup.items():
        print(f"- {step}: {seconds:.1f} s")
    print(f"\n| page (median of {args.repeat}; staff pages of fewer) | wall ms | app CPU ms "
          "| statements | bytes | reads the whole run |")
    print("|---|---:|---:|---:|---:|---|")
    for name, r in results:
        print(f"| {name} | {r['wall'] * 1000:.1f} | {r['cpu'] * 1000:.1f} | {r['statements']} "
              f"| {r['bytes']:,} | {'yes' if r['whole_run'] else 'no'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
