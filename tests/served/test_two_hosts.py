"""More than one machine (issue 12): a season through two web servers and two RQ workers,
each pair on a "host" of its own (a network namespace where this machine allows it),
against one PostgreSQL database, one Redis and one SMTP server.

Nothing is kept in a process's memory that another process needs: a login session made
on host A works on host B (the same ``SECRET_KEY``; the session row in the database),
failed logins count wherever they were made (database rows), an allocation run is done
once by one of the two workers, and every e-mail arrives once, within the installation's
mail rate (``MAIL_RATE_PER_MINUTE``, kept in Redis), however many workers deliver.
"""
from __future__ import annotations

import os
import re
import time
from bisect import bisect_right
from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.models import (AllocationRun, BackgroundJob, JobKind, MessageStatus, OutgoingMessage, Placement,
                              PlacementState, Round, RoundState, RunStatus, User)

from .. import factories
from . import runs, seeds
from .clients import Account, assert_answered, burst
from .conftest import _missing
from .harness import wait_until
from .hosts import Hosts

REDIS_URL = os.environ.get("TWO_HOSTS_REDIS_URL", "redis://127.0.0.1:6379/12")
#: One message every 0.25 s for the whole installation: slow enough to see, on the SMTP
#: server, whether two workers together keep it.
MAIL_RATE = 240
GAP = 60 / MAIL_RATE
YOUTHS = 8  #: seven made by the test, one registering through the form
#: Three activities in one week (nobody can have two), two places each: six of the eight
#: youths get a place, two get "the results are out".
PLACES = 2
CONFIRM_LINK = re.compile(r"/confirm/[A-Za-z0-9._-]+")


@pytest.fixture(scope="module")
def site(postgres_server, tmp_path_factory):
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    try:
        with Redis.from_url(REDIS_URL) as connection:
            connection.ping()
    except RedisDown:
        _missing(f"no Redis at {REDIS_URL}", "REQUIRE_REDIS")
    hosts = Hosts(postgres_server, None, tmp_path_factory.mktemp("two-hosts"),
                  redis_url=REDIS_URL, settings={
                      "MAIL_RATE_PER_MINUTE": str(MAIL_RATE),
                      # Nobody dies here: a claim is not given up for dead after the
                      # harness's one second (a busy machine may take that long).
                      "MAIL_STUCK_AFTER": "60"})
    try:
        yield hosts.start()
    finally:
        hosts.close()


def _season():
    round_ = seeds.round_()
    offers = [seeds.activity(round_, capacity=PLACES, week=30) for _ in range(3)]
    return (round_.id, round_.name, [o.id for o in offers], [o.title for o in offers],
            seeds.administrator(), seeds.youths(YOUTHS - 1), seeds.youth(),
            seeds.district_id())


def _register_on_a_confirm_on_b(site, a, b, district_id: int) -> Account:
    """A youth registers on host A; the link in the e-mail (signed by A's process,
    delivered by either worker) is opened on host B."""
    email = "ny.ungdom@test.example"
    form = [("first_name", "Nova"), ("last_name", "Tvåvärd"),
            ("personal_number", factories.personal_number(date(2010, 6, 1))),
            ("email", email), ("phone", ""), ("district", str(district_id)),
            ("school_year", ""), ("password", factories.PASSWORD),
            ("confirm", factories.PASSWORD), ("accept_privacy", "y")]
    mark = site.mail_mark()
    person = site.on(a, address="198.51.100.70")
    person.read_csrf(site.path("auth.register_youth"))
    registered = person.post(site.path("auth.register_youth"), form)
    assert registered.status_code == 200 and email in _unescaped(registered)
    site.settled_mail(mark)
    (message,) = [m for m in site.mail.messages()[mark.received:] if str(m["To"]) == email]
    assert str(message["Subject"]) == site.text("Confirm your e-mail address")
    link = CONFIRM_LINK.search(message.get_content())
    assert link, "no confirmation link in the e-mail"
    confirmed = site.on(b, address="198.51.100.70").get(link.group(0))
    assert site.text("Thank you, your e-mail address is confirmed. You can log in now.") \
        in _flashes(confirmed), confirmed.url
    with site.reading() as session:
        user = session.scalar(sa.select(User).where(User.email == email))
        return Account(email=email, password=factories.PASSWORD, user_id=user.id,
                       youth_id=user.youth_profile.id, first_name="Nova")


def _login_refused_text(site, minutes: int) -> str:
    from flask_babel import force_locale, ngettext

    with site.app.test_request_context(), force_locale("sv"):
        return ngettext("Too many failed attempts. Wait %(num)d minute and try again, "
                        "or choose a new password.",
                        "Too many failed attempts. Wait %(num)d minutes and try again, "
                        "or choose a new password.", minutes)


def _arrived(site, since: int) -> Counter:
    """(recipient, subject) of every message the SMTP server got since ``since``: each
    arrival, not each Message-ID, so a message sent twice counts twice."""
    return Counter((str(m["To"]), str(m["Subject"])) for m in site.mail.messages()[since:])


def _rq_jobs(queue: str, function: str = "worker.run_allocation") -> tuple[int, int, set[str]]:
    """Finished and failed jobs of ``queue`` that call ``function`` (the queue also
    carries the closing and publishing jobs), and the workers that finished them."""
    from redis import Redis
    from rq import Queue
    from rq.job import Job

    with Redis.from_url(REDIS_URL) as connection:
        found = Queue(queue, connection=connection)

        def of_function(ids: list[str]) -> list[Job]:
            return [job for job in Job.fetch_many(ids, connection=connection)
                    if job is not None and job.func_name == function]
        finished = of_function(found.finished_job_registry.get_job_ids())
        failed = of_function(found.failed_job_registry.get_job_ids())
        workers = {job.worker_name for job in finished}
    return len(finished), len(failed), workers


def test_a_season_runs_through_two_hosts(site):
    started = time.monotonic()
    print(f"\ntwo hosts: {site.isolated}")
    a, b = site.hosts
    for host in (a, b):
        ready = site.on(host).get("/readyz")
        assert ready.status_code == 200, (host.name, ready.text)
    round_id, round_name, offer_ids, titles, admin_account, accounts, guessed, district = \
        site.seed(_season)
    accounts.append(_register_on_a_confirm_on_b(site, a, b, district))
    mark = site.mail_mark()

    # Youths log in on host A; each one's next requests go to host B with the same
    # cookies, and B knows them: their choices are saved there.
    on_a = [site.on(a, account, f"198.51.100.{20 + n}") for n, account in enumerate(accounts)]
    for person in on_a:
        person.log_in()
    on_b = [site.moved(person, b) for person in on_a]
    for person in on_b:
        person.read_csrf(site.path("youth.choices", round_id=round_id))
    first_choice = site.path("youth.change_choice", round_id=round_id, action="add",
                             offer_id=offer_ids[0])
    outcomes = burst([(f"choose {n}", lambda person=person: person.post(first_choice))
                      for n, person in enumerate(on_b)])
    assert_answered(outcomes, site)
    saved = site.text("Your choices are saved.")
    assert all(saved in o.flashes("success") for o in outcomes), outcomes
    assert all(o.url.startswith(b.url) for o in outcomes), "B answered B's requests"
    for n, person in enumerate(on_b):
        for offer_id in offer_ids[1:] if n % 2 else reversed(offer_ids[1:]):
            person.read_csrf(site.path("youth.choices", round_id=round_id))
            response = person.post(site.path("youth.change_choice", round_id=round_id,
                                             action="add", offer_id=offer_id))
            assert saved in _flashes(response), response.url
    # Back on host A, the same session shows what was chosen on B.
    for n, person in enumerate(on_a):
        page = person.get(site.path("youth.choices", round_id=round_id)).text
        assert all(title in page for title in titles), accounts[n].email

    # The login throttle counts failures on both hosts: 3 on A and 2 on B from one
    # address are five, and then even the right password is not checked, on either.
    guesser_a, guesser_b = (site.on(host, guessed, "203.0.113.9") for host in (a, b))
    for guesser in (guesser_a, guesser_b, guesser_a, guesser_b, guesser_a):
        guesser.read_csrf("/login")
        wrong = guesser.post("/login", {"email": guessed.email, "password": "fel-lösenord"})
        assert wrong.status_code == 200, wrong.status_code
        assert site.text("The e-mail address or the password is wrong.") in _unescaped(wrong)
    for guesser in (guesser_b, guesser_a):
        guesser.read_csrf("/login")
        right = guesser.post("/login", {"email": guessed.email, "password": guessed.password},
                             allow_redirects=False)
        assert right.status_code == 429, (guesser.base_url, right.status_code)
        assert _login_refused_text(site, 1) in _unescaped(right)
    # From the youth's own address the account still opens (five is per address).
    (site.on(b, guessed, "198.51.100.99")).log_in()

    # The administrator logs in on A, closes the round on B and starts the run there;
    # one of the two workers does it, once; A shows its progress.
    admin_a = site.on(a, admin_account, "192.0.2.5")
    admin_a.log_in()
    admin_b = site.moved(admin_a, b)
    admin_b.read_csrf(site.path("rounds.show", round_id=round_id))
    closed = admin_b.post(site.path("rounds.step", round_id=round_id, action="close"))
    assert site.text("The round is closed. The lottery seed is drawn; its fingerprint is "
                     "on the round's public page.") in _flashes(closed), closed.url
    def frozen() -> bool:  # a worker (either) runs the closing job that freezes the problem
        with site.reading() as session:
            return session.get(Round, round_id).problem_fingerprint is not None
    wait_until(frozen, 60, "the closing job to freeze the round's problem")
    run_id = runs.start_run(site, admin_b, round_id)
    assert runs.finished(site, admin_a, run_id, timeout=120)["status"] == "succeeded", \
        site.log_tail()
    finished, failed, workers = _rq_jobs("allocation")
    assert (finished, failed) == (1, 0), (finished, failed)
    assert len(workers) == 1 and workers <= {h.worker.worker_name for h in (a, b)}, workers
    with site.reading() as session:
        run_rows = session.scalars(sa.select(AllocationRun).where(
            AllocationRun.round_id == round_id)).all()
        assert [(r.id, r.status) for r in run_rows] == [(run_id, RunStatus.SUCCEEDED)]

    # Publish on B (done in the request or as a job: wait until the round says so), seen
    # on A.
    admin_b.read_csrf(site.path("rounds.confirm_publish", round_id=round_id))
    published = admin_b.post(site.path("rounds.step", round_id=round_id, action="publish"))
    assert published.status_code == 200 and not _flashes(published, "error"), \
        _flashes(published, "error")
    published_state = site.text("published")
    wait_until(lambda: _round_state(site, round_id) is RoundState.PUBLISHED, 60,
               "the round to be published")

    def offers_made() -> bool:  # publishing's job (on either worker) makes the offers
        with site.reading() as session:
            return session.scalar(sa.select(sa.func.count(BackgroundJob.id)).where(
                BackgroundJob.round_id == round_id, BackgroundJob.kind == JobKind.PUBLISH,
                BackgroundJob.finished_at.is_not(None))) == 1
    wait_until(offers_made, 90, "the publishing job to make the offers")
    page = admin_a.get(site.path("rounds.show", round_id=round_id))
    assert published_state in _unescaped(page)
    mail = site.settled_mail(mark, timeout=90)
    with site.reading() as session:
        offered = {p.youth_id: (p.id, p.offer.title) for p in session.scalars(
            sa.select(Placement).where(Placement.round_id == round_id,
                                       Placement.state == PlacementState.OFFERED))}
    assert len(offered) == 3 * PLACES, offered

    # Every youth got each of their messages exactly once at the SMTP server, though two
    # workers delivered them: the application receipt, then the offer or the result.
    arrived = _arrived(site, mark.received)
    for account in accounts:
        expected = {(account.email, site.text("We have received your application: "
                                              "%(round)s", round=round_name)): 1}
        if account.youth_id in offered:
            subject = site.text("You are offered a place: %(title)s",
                                title=offered[account.youth_id][1])
        else:
            subject = site.text("The results are out: %(round)s", round=round_name)
        expected[(account.email, subject)] = 1
        got = {key: count for key, count in arrived.items() if key[0] == account.email}
        assert got == expected, (account.email, got)
    assert len(mail.received) == sum(arrived.values()), "a Message-ID arrived twice"

    # The placed youths accept at the same moment, half on A and half on B; each sees
    # the place confirmed on the other host, and gets one confirmation.
    placed = [(n, account) for n, account in enumerate(accounts) if account.youth_id in offered]
    deciders = []
    for n, account in placed:
        person = on_a[n] if n % 2 else on_b[n]
        person.read_csrf(site.path("youth.home"))
        deciders.append((person, account))
    confirmations = site.mail_mark()
    outcomes = burst([(account.email, lambda person=person, account=account: person.post(
        site.path("youth.answer", placement_id=offered[account.youth_id][0],
                  answer="accept"))) for person, account in deciders])
    assert_answered(outcomes, site)
    assert all(site.text("Thank you, your place is confirmed.") in o.flashes("success")
               for o in outcomes), outcomes
    for n, account in placed:
        other = on_b[n] if n % 2 else on_a[n]
        home = _unescaped(other.get(site.path("youth.home")))
        assert site.text("Your place is confirmed.") in home, account.email
    site.settled_mail(confirmations, timeout=60)
    arrived = _arrived(site, confirmations.received)
    assert arrived == Counter({(account.email, site.text(
        "Your place is confirmed: %(title)s", title=offered[account.youth_id][1])): 1
        for _, account in placed}), arrived

    # Both workers delivered mail, and together they kept the installation's rate.
    _, mail_failed, mail_workers = _rq_jobs("mail", "worker.deliver_mail")
    assert mail_failed == 0
    assert len(mail_workers) == 2, f"mail jobs were all done by {mail_workers}"
    times = site.mail.arrivals()[mark.received:]
    assert _most_in_a_second(times) <= MAIL_RATE // 60 + 1, times
    elapsed = time.monotonic() - started
    print(f"two hosts: {len(times)} messages, at most {_most_in_a_second(times)} in a "
          f"second; the season took {elapsed:.1f} s")
    assert elapsed < timedelta(minutes=2).total_seconds()


#: Messages of the two mail jobs below: enough for two trains of messages to overlap.
AT_ONCE = 12


def test_two_workers_delivering_at_once_keep_one_rate(site):
    """Two mail jobs at the same moment, one for each worker (as a publish that hands its
    e-mail over in batches makes them): every message arrives once, and the two workers
    together send at the installation's rate, not each at it."""
    def waiting() -> list[int]:
        rows = [dict(recipient=f"batch{n}@example.se", subject=f"Batch {n}", body="Hej",
                     kind="test.batch", status=MessageStatus.PENDING) for n in range(AT_ONCE)]
        return list(db.session.scalars(sa.insert(OutgoingMessage).returning(
            OutgoingMessage.id), rows))  # Core: nothing dispatches them but the jobs
    _idle(site)
    mark = site.mail_mark()
    ids = site.seed(waiting)
    jobs = _enqueue_mail([ids[0::2], ids[1::2]])
    mail = site.settled_mail(mark, timeout=60)
    assert Counter(m.recipient for m in mail.received) == Counter(
        f"batch{n}@example.se" for n in range(AT_ONCE))
    assert _arrived(site, mark.received) == Counter(
        {(f"batch{n}@example.se", f"Batch {n}"): 1 for n in range(AT_ONCE)})
    assert len(_workers_of(jobs)) == 2, "each worker took one of the jobs"
    times = site.mail.arrivals()[mark.received:]
    span = times[-1] - times[0]
    # Per-process paces: two trains of six, side by side, in about 5 gaps; one rate for
    # both: one train of twelve, 11 gaps.
    assert span >= 0.8 * (AT_ONCE - 1) * GAP, f"{AT_ONCE} messages in {span:.2f} s"
    assert _most_in_a_second(times) <= MAIL_RATE // 60 + 1, times


def _most_in_a_second(times: list[float]) -> int:
    """The most messages that arrived within any one second."""
    return max((bisect_right(times, t + 1.0) - i for i, t in enumerate(times)), default=0)


def _idle(site) -> None:
    """Both workers waiting for work (so that each takes one of the next two jobs)."""
    from redis import Redis
    from rq import Worker

    names = {h.worker.worker_name for h in site.hosts}

    def idle() -> bool:
        with Redis.from_url(REDIS_URL) as connection:
            states = {w.name: w.get_state() for w in Worker.all(connection=connection)}
        return all(states.get(name) == "idle" for name in names)
    wait_until(idle, 60, "both RQ workers to be idle")


def _enqueue_mail(batches: list[list[int]]) -> list[str]:
    from redis import Redis
    from rq import Queue

    with Redis.from_url(REDIS_URL) as connection:
        queue = Queue("mail", connection=connection)
        return [queue.enqueue("worker.deliver_mail", batch, job_timeout=600).id
                for batch in batches]


def _workers_of(job_ids: list[str]) -> set[str]:
    from redis import Redis
    from rq.job import Job

    with Redis.from_url(REDIS_URL) as connection:
        return {job.worker_name for job in Job.fetch_many(job_ids, connection=connection)
                if job is not None}


def _round_state(site, round_id: int) -> RoundState:
    with site.reading() as session:
        return session.get(Round, round_id).state


def _unescaped(response) -> str:
    import html

    return html.unescape(response.text)


def _flashes(response, category: str | None = None) -> list[str]:
    from .clients import Outcome

    return Outcome.of(response).flashes(category)
