"""A gunicorn worker killed (SIGKILL) while twenty youths save choices and sign up.

The master starts a new worker. A request the dead worker was serving may lose its
connection; every other request gets a complete answer. Afterwards the database holds
only whole transactions: sign-ups within the places, every youth's choices one of the
lists they sent, ranks dense, each recorded message sent once, nothing sent that was not
recorded, and a mail for every place given from the waiting list. Everyone can still
log in and see their data.
"""
from __future__ import annotations

import itertools
import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from youth_app.models import Application, AuditEvent, Offer, SignUp, SignUpStatus

from . import seeds
from .clients import Outcome
from .harness import wait_until

YOUTHS = 20
#: Each youth saves an order and signs up or cancels this many times.
ROUNDS = 6
CAPACITY = 6
#: The kill comes once this many requests have been answered.
KILL_AFTER = 60


@pytest.fixture(scope="module")
def site(serve):
    return serve(workers=4)


def _build():
    round_ = seeds.round_()
    offers = [seeds.activity(round_, week=25 + i) for i in range(4)]
    activity = seeds.open_activity(capacity=CAPACITY)
    youths = seeds.youths(YOUTHS)
    firsts = [tuple(seeds.choose(youth, round_, offers)) for youth in youths]
    return round_.id, activity.id, youths, firsts


class Journal:
    """Every request and its outcome, and every order each youth sent, thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.outcomes: list[Outcome] = []
        self.sent: dict[int, set[tuple[int, ...]]] = {}
        self.answered = threading.Semaphore(0)

    def record(self, label: str, call) -> None:
        try:
            outcome = Outcome.of(call(), label)
        except OSError as error:  # requests' ConnectionError is an OSError
            outcome = Outcome(error=f"{type(error).__name__}: {error}", label=label)
        with self.lock:
            self.outcomes.append(outcome)
        self.answered.release()


def _youth_loop(site, person, journal: Journal, round_id: int, activity_id: int,
                orders: list[tuple[int, ...]]) -> None:
    saving = site.path("youth.reorder_choices", round_id=round_id)
    signing = {True: site.path("youth.sign_up", offer_id=activity_id),
               False: site.path("youth.cancel_sign_up", offer_id=activity_id)}
    youth_id = person.account.youth_id
    for turn, order in zip(range(ROUNDS), itertools.cycle(orders)):
        with journal.lock:
            journal.sent.setdefault(youth_id, set()).add(order)
        journal.record(f"{youth_id} save {order}",
                       lambda order=order: person.post(saving, {"order": ",".join(map(str, order))}))
        journal.record(f"{youth_id} sign-up {turn % 2 == 0}",
                       lambda turn=turn: person.post(signing[turn % 2 == 0]))


def _complete(outcome: Outcome) -> bool:
    """A whole answer: a page that was not cut off, or a connection error (the worker died)."""
    if outcome.error:
        return True
    return not outcome.server_error and outcome.status == 200 and "</html>" in outcome.text


def test_a_killed_web_worker_loses_no_request_and_no_data(site):
    round_id, activity_id, youths, firsts = site.seed(_build)
    people = site.logged_in(youths)
    for person in people:
        person.read_csrf(site.path("youth.choices", round_id=round_id))
    journal = Journal()
    for youth, first in zip(youths, firsts):
        journal.sent[youth.youth_id] = {first}
    mark = site.mail_mark()
    threads = [threading.Thread(target=_youth_loop, daemon=True, args=(
        site, person, journal, round_id, activity_id,
        list(itertools.permutations(first))[index % 5::5]))
        for index, (person, first) in enumerate(zip(people, firsts))]
    for thread in threads:
        thread.start()
    for _ in range(KILL_AFTER):
        assert journal.answered.acquire(timeout=120), "the burst stopped before the kill"
    victim = site.gunicorn.kill_one_worker()
    for thread in threads:
        thread.join(300)
    assert not any(t.is_alive() for t in threads), "youths still waiting after 300 s"

    site.gunicorn.wait_for_workers(without=victim)
    cut_off = [o for o in journal.outcomes if not _complete(o)]
    assert not cut_off, f"{len(cut_off)} requests got a broken answer: {cut_off}\n{site.log_tail()}"
    _assert_consistent(site, journal, activity_id, round_id)
    site.run_the_clock()  # mail of the killed worker: committed, not yet sent
    mail = site.settled_mail(mark)
    recorded = Counter((m.recipient, m.subject) for m in mail.recorded)
    received = Counter((m.recipient, m.subject) for m in mail.received)
    assert received == recorded, f"sent but not recorded: {received - recorded}; " \
                                 f"recorded but not sent: {recorded - received}"
    told = Counter(m.recipient for m in mail.recorded if m.kind == "signup.promoted")
    assert told == _promotions(site, activity_id, youths), "a promotion without its mail"
    _assert_everyone_sees_their_data(site, youths, round_id)


def _assert_consistent(site, journal: Journal, activity_id: int, round_id: int) -> None:
    with site.reading() as session:
        statuses = Counter(session.scalars(sa.select(SignUp.status).where(
            SignUp.offer_id == activity_id)))
        rows = session.execute(sa.select(Application.youth_id, Application.offer_id,
                                         Application.rank)
                               .where(Application.round_id == round_id)
                               .order_by(Application.youth_id, Application.rank)).all()
    confirmed, waiting = statuses[SignUpStatus.CONFIRMED], statuses[SignUpStatus.WAITING]
    assert confirmed <= CAPACITY, f"{confirmed} confirmed on {CAPACITY} places"
    assert not waiting or confirmed == CAPACITY, \
        f"{waiting} waiting while only {confirmed} of {CAPACITY} places are taken"
    saved: dict[int, list[tuple[int, int]]] = {}
    for youth_id, offer_id, rank in rows:
        saved.setdefault(youth_id, []).append((offer_id, rank))
    for youth_id, sent in journal.sent.items():
        choices = saved.get(youth_id, [])
        assert [rank for _, rank in choices] == list(range(1, len(choices) + 1)), choices
        assert tuple(offer for offer, _ in choices) in sent, (youth_id, choices, sent)


def _promotions(site, activity_id: int, youths) -> Counter:
    """How often each youth got a place from the waiting list, by the audit log."""
    emails = {youth.youth_id: youth.email for youth in youths}
    with site.reading() as session:
        promoted = session.scalars(sa.select(SignUp.youth_id).join(AuditEvent, sa.and_(
            AuditEvent.object_type == "SignUp", AuditEvent.object_id == SignUp.id)).where(
            AuditEvent.action == "signup.promoted", SignUp.offer_id == activity_id))
        return Counter(emails[youth_id] for youth_id in promoted)


def _assert_everyone_sees_their_data(site, youths, round_id: int) -> None:
    with site.reading() as session:
        saved = {y: list(session.scalars(sa.select(Offer.title).join(Application).where(
            Application.youth_id == y, Application.round_id == round_id)
            .order_by(Application.rank))) for y in (a.youth_id for a in youths)}
    again = site.logged_in(youths)
    for youth, person in zip(youths, again):
        response = person.get(site.path("youth.my_data_json"))
        assert response.status_code == 200, (youth.email, response.status_code)
        data = response.json()
        assert data["profile"]["first_name"] == youth.first_name
        assert [a["offer"] for a in data["applications"]] == saved[youth.youth_id]


def test_the_master_replaces_a_killed_worker(site):
    """Checked on its own, so a failure above cannot hide that the site still serves."""
    victim = site.gunicorn.kill_one_worker()
    site.gunicorn.wait_for_workers(without=victim)
    wait_until(lambda: site.person().get("/").status_code == 200, 30, "the start page")
