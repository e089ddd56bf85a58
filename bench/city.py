"""Benchmark: a city's season through the web application (issue 12).

Loads N youths (default 20,000) with five ranked choices each, one offer per 20 youths
and a tenth of the youths in social services' group into a fresh PostgreSQL database,
then times every step of the season the way staff and youths take it: each page through
the app's HTTP interface (Flask's test client: the full request, routing, session,
templates and database, without a network), and the background work (closing's problem
freeze, the run, publishing's offers, the e-mail outbox to a real SMTP server on
loopback) as the app's own workers do it, in threads of this process.

    .venv/bin/python bench/city.py                        # 20,000 youths
    .venv/bin/python bench/city.py --youths 100000        # a New York
    .venv/bin/python bench/city.py --database postgresql+psycopg://postgres@127.0.0.1:5432/city

The database named by ``--database`` (default ``city_bench`` on the local server) is
dropped and made again. Prints one table: each step's request time, its background time,
and the size of the largest page it showed; then the largest page of the season.
"""
from __future__ import annotations

import argparse
import io
import itertools
import logging
import os
import random
import re
import resource
import socket
import sys
import threading
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyotp  # noqa: E402
import sqlalchemy as sa  # noqa: E402

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PASSWORD = "city-bench-2027"
#: The list social services import into a second group (the import's own limit).
IMPORT_LINES = 10_000
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.I | re.M)
YEAR = 2027
DISTRICTS = ("Lysekil", "Brastad", "Skaftö", "Grundsund", "Fiskebäckskil", "Lyse")
PERIODS = ([25, 26, 27], [28, 29, 30], [31, 32])


# --- a fresh database -------------------------------------------------------------------

def fresh_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    engine = sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


class Mailbox:
    """A real SMTP server on loopback that counts what arrives: per recipient, and per
    message (its Message-ID: the same message twice is what must never happen; a youth
    with two offers gets two messages)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.received: Counter[str] = Counter()
        self.message_ids: Counter[str] = Counter()
        box = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
                for recipient in envelope.rcpt_tos:
                    box.received[recipient] += 1
                found = MESSAGE_ID.search(envelope.original_content or b"")
                box.message_ids[found.group(1) if found else b"?"] += 1
                return "250 OK"

        with socket.socket() as probe:  # a free port (aiosmtpd cannot be given port 0)
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


# --- the city ------------------------------------------------------------------------------

def load(app, youths: int, seed: int = 7) -> dict:
    """Youths, offers, applications and memberships in bulk (a few statements of
    thousands of rows each); returns the ids the season needs."""
    from youth_app import security
    from youth_app.extensions import db
    from youth_app.identity import with_check_digit
    from youth_app.models import (AllocationMode, Application, District, OfferKind,
                                  OfferStatus, Organisation, OrganisationKind, PriorityGroup,
                                  PriorityMembership, Role, Round, RoundState, User,
                                  YouthProfile, utcnow)
    from youth_app.models import Offer

    rng = random.Random(f"city:{youths}:{seed}")
    hashed = security.hash_password(PASSWORD)
    now = utcnow()
    with app.app_context():
        districts = [District(name=name) for name in DISTRICTS]
        db.session.add_all(districts)
        admin = User(email="admin@city.example", password_hash=hashed, role=Role.ADMINISTRATOR,
                     email_confirmed_at=now, totp_secret=pyotp.random_base32())
        caseworker = User(email="social@city.example", password_hash=hashed,
                          role=Role.CASEWORKER, email_confirmed_at=now,
                          totp_secret=pyotp.random_base32())
        db.session.add_all([admin, caseworker])
        round_ = Round(name=f"Sommarjobb {YEAR}", state=RoundState.OPEN,
                       application_opens_at=now - timedelta(days=30),
                       application_closes_at=now + timedelta(days=1),
                       reference_date=date(YEAR, 6, 15), max_choices=5,
                       policy={"max_places_per_youth": 2, "max_jobs_per_youth": 1,
                               "priority_tiers": ["targeted"], "priority_ranks": True},
                       periods=[{"name": f"Period {i + 1}",
                                 "weeks": [f"{YEAR}-W{w}" for w in weeks]}
                                for i, weeks in enumerate(PERIODS)])
        db.session.add(round_)
        organisations = [Organisation(name=f"Förening {n}", kind=OrganisationKind.ASSOCIATION,
                                      org_number=with_check_digit(f"80{n:07d}"),
                                      contact_name=f"Kontakt {n}",
                                      contact_email=f"org{n}@city.example",
                                      contact_phone="0523-100 00", approved_at=now,
                                      terms_accepted_at=now)
                         for n in range(max(1, youths // 200))]
        db.session.add_all(organisations)
        db.session.flush()
        offers = []
        for n in range(max(2, youths // 20)):
            job = rng.random() < 0.55
            weeks = rng.choice(PERIODS) if job else [rng.randint(25, 32)]
            offers.append({
                "organisation_id": organisations[n % len(organisations)].id,
                "round_id": round_.id, "status": OfferStatus.PUBLISHED,
                "kind": OfferKind.JOB if job else OfferKind.ACTIVITY,
                "allocation_mode": AllocationMode.ROUND, "title": f"Erbjudande {n + 1}",
                "description": "Ett sommarjobb i staden.", "place": "Centrum",
                "district_id": districts[n % len(districts)].id,
                "weeks": [f"{YEAR}-W{w}" for w in weeks],
                "capacity": rng.randint(2, 18), "min_age": 15 if job else 13, "max_age": 19,
                "supervisor_name": "Handledare", "supervisor_phone": "0523-100 01",
                "hours_per_day": 6 if job else None, "hourly_pay": 100 if job else None})
        offer_ids = list(db.session.scalars(sa.insert(Offer).returning(Offer.id), offers))
        users = [{"email": f"y{n}@city.example", "password_hash": hashed, "role": Role.YOUTH,
                  "email_confirmed_at": now} for n in range(youths)]
        user_ids = []
        for start in range(0, youths, 5000):
            user_ids += db.session.scalars(sa.insert(User).returning(User.id),
                                           users[start:start + 5000]).all()
        profiles = []
        for n, user_id in enumerate(user_ids):
            born = date(YEAR - rng.randint(14, 19), rng.randint(1, 12), rng.randint(1, 28))
            profiles.append({"user_id": user_id, "first_name": f"Förnamn{n}",
                             "last_name": f"Efternamn{n // 7}", "date_of_birth": born,
                             "district_id": districts[n % len(districts)].id,
                             "resident": True, "languages": [], "shared_notes": ""})
        used: set[str] = set()
        for n, profile in enumerate(profiles):  # unique, valid numbers
            born = profile["date_of_birth"]
            serial = n % 1000
            while True:
                number = f"{born.year // 100}{with_check_digit(f'{born:%y%m%d}{serial:03d}')}"
                if number not in used:
                    break
                born += timedelta(days=1)
                profile["date_of_birth"] = born
            used.add(number)
            profile["personal_number"] = number
        youth_ids = []
        for start in range(0, youths, 5000):
            youth_ids += db.session.scalars(sa.insert(YouthProfile).returning(YouthProfile.id),
                                            profiles[start:start + 5000]).all()
        # cumulative once: random.choices would add up the weights of every offer on
        # each call (the same draws; minutes at 100,000 youths and 5,000 offers)
        weights = list(itertools.accumulate(1 / (rank + 1) ** 0.8
                                            for rank in range(len(offer_ids))))
        order = offer_ids[:]
        rng.shuffle(order)
        applications = []
        for youth_id in youth_ids:
            chosen: list[int] = []
            while len(chosen) < 5:
                pick = rng.choices(order, cum_weights=weights)[0]
                if pick not in chosen:
                    chosen.append(pick)
            applications += [{"round_id": round_.id, "youth_id": youth_id, "offer_id": o,
                               "rank": r} for r, o in enumerate(chosen, start=1)]
        for start in range(0, len(applications), 10000):
            db.session.execute(sa.insert(Application), applications[start:start + 10000])
        group = PriorityGroup(code="targeted", name="Socialtjänstens målgrupp")
        db.session.add(group)
        db.session.flush()
        members = [{"group_id": group.id, "youth_id": y, "set_by_id": caseworker.id,
                    "reason": "Insats"} for y in rng.sample(youth_ids, k=youths // 10)]
        db.session.execute(sa.insert(PriorityMembership), members)
        outreach = PriorityGroup(code="outreach", name="Fältgruppens kontakter")
        db.session.add(outreach)
        db.session.commit()
        # What autovacuum would have done over the weeks the applications came in (this
        # machine's server runs with it off): statistics for the planner.
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        listed = rng.sample(range(youths), k=min(IMPORT_LINES, youths // 10))
        return {"round_id": round_.id, "admin": (admin.email, admin.totp_secret),
                "caseworker": (caseworker.email, caseworker.totp_secret),
                "youth_ids": youth_ids, "import_group": outreach.id,
                "import_numbers": [profiles[n]["personal_number"] for n in listed]}


# --- the season ------------------------------------------------------------------------

class Season:
    def __init__(self, app, ids: dict, mailbox: Mailbox) -> None:
        self.app, self.ids, self.mailbox = app, ids, mailbox
        self.rows: list[tuple[str, float | None, float | None, int]] = []
        self.largest = (0, "")

    def client(self, email: str, totp: str | None = None):
        client = self.app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        if totp:
            response = client.post(response.headers["Location"],
                                   data={"code": pyotp.TOTP(totp).now()})
        assert response.status_code == 302, response.data[:300]
        return client

    def page(self, client, method: str, path: str, **kwargs) -> tuple[float, int, object]:
        started = time.perf_counter()
        response = getattr(client, method)(path, **kwargs)
        took = time.perf_counter() - started
        size = len(response.data)
        assert response.status_code < 500, (path, response.status_code)
        if size > self.largest[0]:
            self.largest = (size, path)
        return took, size, response

    def show(self, name: str, client, method: str, path: str):
        """A page that is a step of its own: its request time and size in the table."""
        took, size, response = self.page(client, method, path)
        self.step(name, took, None, size)
        return response

    def step(self, name: str, request: float | None, background: float | None,
             size: int = 0) -> None:
        self.rows.append((name, request, background, size))
        print(f"  {name:<44} {_s(request):>9} {_s(background):>11} {size / 1024:>8.0f} KB",
              flush=True)

    def wait(self, read, done, limit: float = 7200) -> float:
        """Poll ``read()`` (in an app context) until ``done(value)``; seconds waited."""
        from youth_app.extensions import db

        started = time.perf_counter()
        while time.perf_counter() - started < limit:
            with self.app.app_context():
                value = read()
                db.session.remove()
            if done(value):
                return time.perf_counter() - started
            time.sleep(0.5)
        raise TimeoutError("the background work did not finish")


def _s(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds:.2f} s"


def run_season(app, ids: dict, mailbox: Mailbox) -> Season:
    from youth_app import mail
    from youth_app.extensions import db
    from youth_app.models import (AllocationRun, BackgroundJob, JobKind, MessageStatus, OutgoingMessage,
                                  Placement, PlacementState, Round, RunStatus, User,
                                  YouthProfile)
    from youth_app.allocation.problem import staff_reference

    season, round_id = Season(app, ids, mailbox), ids["round_id"]
    admin = season.client(*ids["admin"])

    took, size, _r = season.page(admin, "post", f"/admin/rounds/{round_id}/close")
    frozen = season.wait(lambda: db.session.get(Round, round_id).closing_problem is not None,
                         bool)
    season.step("close (freeze the problem)", took, frozen, size)

    def latest_run():
        return db.session.scalar(sa.select(AllocationRun.status).where(
            AllocationRun.round_id == round_id).order_by(AllocationRun.id.desc()).limit(1))

    def run_id() -> int:
        with app.app_context():
            return db.session.scalar(sa.select(sa.func.max(AllocationRun.id)))

    took, size, _r = season.page(admin, "post", f"/admin/rounds/{round_id}/runs")
    solved = season.wait(latest_run, lambda s: s in (RunStatus.SUCCEEDED, RunStatus.FAILED))
    first = run_id()
    season.step("start the run, build, solve, review", took, solved, size)
    season.show("run progress (one poll)", admin, "get",
                f"/admin/runs/{first}/progress.json")
    season.show("run review page", admin, "get", f"/admin/runs/{first}")
    season.show("run page: find a youth by name", admin, "get",
                f"/admin/runs/{first}?youth=Förnamn123")
    reference = staff_reference(ids["youth_ids"][123])
    season.show("one youth's explanation (staff)", admin, "get",
                f"/admin/runs/{first}/youths/{reference}")
    season.show("round page", admin, "get", f"/admin/rounds/{round_id}")
    caseworker = season.client(*ids["caseworker"])
    season.show("social services' group page", caseworker, "get", "/caseworker/groups/1")
    lines = "\n".join(f"{number};Namn" for number in ids["import_numbers"]).encode()
    took, size, preview = season.page(
        caseworker, "post", "/caseworker/import", content_type="multipart/form-data",
        data={"group": ids["import_group"], "reason": "Kontakt", "expires_on": "",
              "file": (io.BytesIO(lines), "lista.csv")})
    season.step(f"import a list of {len(ids['import_numbers']):,}: the check", took, None, size)
    token = re.search(rb'name="token" type="hidden" value="([^"]+)"', preview.data)
    assert token, preview.data[:500]
    took, size, done = season.page(caseworker, "post", "/caseworker/import/confirm",
                                   data={"token": token.group(1).decode(), "replace": ""})
    assert done.status_code == 302, done.data[:500]

    def imported():
        job = db.session.scalar(sa.select(BackgroundJob).where(
            BackgroundJob.kind == JobKind.IMPORT).order_by(BackgroundJob.id.desc()).limit(1))
        return job is not None and job.finished_at is not None

    season.step("import: confirmed (its job adds them)", took, season.wait(imported, bool),
                size)
    season.show("import: its page", caseworker, "get", done.headers["Location"])

    season.show("publish: confirmation page", admin, "get",
                f"/admin/rounds/{round_id}/publish")
    took, size, response = season.page(admin, "post", f"/admin/rounds/{round_id}/publish")
    job_path = response.headers.get("Location", "")

    def publish_done():
        job = db.session.scalar(sa.select(BackgroundJob).where(
            BackgroundJob.round_id == round_id).order_by(BackgroundJob.id.desc()).limit(1))
        return job is not None and job.finished_at is not None

    published = season.wait(publish_done, bool)
    season.step("publish: offers and their e-mails made", took, published, size)
    season.show("publish: progress page", admin, "get", job_path or f"/admin/rounds/{round_id}")
    started = time.perf_counter()
    with app.app_context():
        while mail.deliver_due():
            pass
        db.session.remove()
    delivered = time.perf_counter() - started
    with app.app_context():
        pending = db.session.scalar(sa.select(sa.func.count(OutgoingMessage.id)).where(
            OutgoingMessage.status.in_((MessageStatus.PENDING, MessageStatus.SENDING))))
        offered = db.session.scalars(sa.select(Placement).where(
            Placement.state == PlacementState.OFFERED).order_by(Placement.id)).all()
        offered_ids = [(p.id, p.youth_id) for p in offered]
        emails = dict(db.session.execute(sa.select(YouthProfile.id, User.email).join(
            User, User.id == YouthProfile.user_id)).all())
    twice = sum(1 for count in mailbox.message_ids.values() if count > 1)
    two = sum(1 for count in mailbox.received.values() if count > 1)
    season.step(f"e-mail: {sum(mailbox.received.values()):,} sent, {twice} twice, "
                f"{pending} left", None, delivered)
    print(f"  ({len(mailbox.received):,} recipients; {two:,} got two messages, one per offer)")

    placement_id, youth_id = offered_ids[len(offered_ids) // 2]
    youth = season.client(emails[youth_id])
    season.show("a youth's My page", youth, "get", "/youth/")
    season.show("a youth's 'why I got what I got'", youth, "get",
                f"/youth/rounds/{round_id}/result")
    season.show("a youth accepts", youth, "post",
                f"/youth/placements/{placement_id}/accept")
    took, size, _r = season.page(admin, "post", f"/admin/reports/rounds/{round_id}/count")

    def counted():
        job = db.session.scalar(sa.select(BackgroundJob).where(
            BackgroundJob.round_id == round_id, BackgroundJob.kind == JobKind.REPORT)
            .order_by(BackgroundJob.id.desc()).limit(1))
        return job is not None and job.finished_at is not None

    season.step("season report: the job counts the figures", took,
                season.wait(counted, bool), size)
    season.show("season report", admin, "get", f"/admin/reports/rounds/{round_id}")
    for fmt in ("csv", "xlsx"):
        season.show(f"season export ({fmt})", admin, "get",
                    f"/admin/reports/rounds/{round_id}/season.{fmt}")
    season.show("guardians' consent page", admin, "get", "/admin/consents")

    with app.app_context():  # a twentieth of the offers are declined
        for pid, _youth in offered_ids[::20]:
            placement = db.session.get(Placement, pid)
            if placement.state is PlacementState.OFFERED:
                placement.state = PlacementState.DECLINED
        db.session.commit()
    took, size, _r = season.page(admin, "post", f"/admin/rounds/{round_id}/runs")
    solved = season.wait(latest_run, lambda s: s in (RunStatus.SUCCEEDED, RunStatus.FAILED))
    season.step("second run (freed places)", took, solved, size)
    season.show("second run's review page", admin, "get", f"/admin/runs/{run_id()}")
    return season


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--youths", type=int, default=20000)
    parser.add_argument("--database", default=f"{SERVER}/city_bench")
    args = parser.parse_args()

    fresh_database(args.database)
    mailbox = Mailbox()
    os.environ.pop("REDIS_URL", None)  # the app's threads do the background work
    from flask_migrate import upgrade

    from youth_app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database, "SECRET_KEY": "city-bench",
                      "WTF_CSRF_ENABLED": False, "MAIL_SERVER": "127.0.0.1",
                      "MAIL_PORT": mailbox.port, "MAIL_USE_TLS": False,
                      "MAIL_DELIVERY": "command", "LOG_FORMAT": "text",
                      "LOGIN_MAX_FAILURES": 1000})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    logging.getLogger("alembic").setLevel(logging.WARNING)
    started = time.perf_counter()
    ids = load(app, args.youths)
    print(f"{args.youths:,} youths, {args.youths // 20:,} offers, 5 choices each, "
          f"{args.youths // 10:,} in social services' group: loaded in "
          f"{time.perf_counter() - started:.0f} s")
    print(f"  {'step':<44} {'request':>9} {'background':>11} {'page':>11}")
    season = run_season(app, ids, mailbox)
    mailbox.stop()
    size, path = season.largest
    background = sum(b for _n, _r, b, _s in season.rows if b)
    slowest = max((r, n) for n, r, _b, _s in season.rows if r is not None)
    print(f"largest page: {size / 1024:.0f} KB ({path}); slowest request: {slowest[0]:.2f} s "
          f"({slowest[1]}); background work in all: {background:.0f} s; peak memory of "
          f"this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
          f"threads alive at the end: {threading.active_count()}")


if __name__ == "__main__":
    main()
