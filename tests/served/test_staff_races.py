"""An administrator's guarded steps, pressed twice (or by several tabs) at once, through
real HTTP on PostgreSQL: offering a place by hand, publishing, closing, starting a run.

Runs go through RQ with a real worker, as in production.
"""
from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from youth_app.allocation.services import fingerprint
from youth_app.models import (AllocationRun, AuditEvent, BackgroundJob, JobKind, JobStatus,
                              Placement, PlacementState, Round, RoundState)

from . import runs, seeds
from .clients import assert_answered, burst, sole
from .harness import wait_until

ACTIVE = (PlacementState.OFFERED, PlacementState.ACCEPTED)


@pytest.fixture(scope="module")
def site(serve, redis_url):
    return serve(workers=4, redis_url=redis_url, rq_worker=True)


@pytest.fixture(scope="module")
def admin(site):
    """One administrator for the module: a TOTP code works once per 30-second step."""
    (person,) = site.logged_in([site.seed(seeds.administrator)])
    return person


def _round_audit(session, action: str, round_id: int) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_type == "Round",
        AuditEvent.object_id == round_id)))


def _press(site, admin, round_id: int, path: str, times: int = 5, data=None):
    """The same button pressed in ``times`` tabs at once."""
    admin.read_csrf(site.path("rounds.show", round_id=round_id))
    tabs = [admin.tab() for _ in range(times)]
    return burst([(f"tab {i}", lambda tab=tab: tab.post(path, data))
                  for i, tab in enumerate(tabs)])


def _successes(outcomes, text: str):
    return [o for o in outcomes if text in o.flashes("success")]


def _offered_mail(site, mail, account, titles) -> int:
    """Messages "you are offered a place" the youth received, for any of ``titles``."""
    subjects = {site.text("You are offered a place: %(title)s", title=t) for t in titles}
    return sum(len(mail.received_to(account.email, s)) for s in subjects)


# --- 1. offering a place by hand -------------------------------------------------------

#: One burst of six can land one request after the other on a busy two-core machine;
#: the same burst on several offers makes the overlap (the race) near certain.
LAST_PLACES = 4


def _last_place_offers():
    """Offers of five places with four taken, and six youths waiting for each."""
    round_ = seeds.round_(RoundState.PUBLISHED)
    offers = []
    for _ in range(LAST_PLACES):
        offer = seeds.activity(round_, capacity=5)
        for taken in seeds.youths(4):
            seeds.offered_place(taken, round_, offer)
        offers.append((offer.id, offer.title, seeds.youths(6)))
    return round_.id, offers


def _offer_by_hand_at_once(admin, path: str, offer_id: int, youths):
    """One tab per youth, each offering them the offer's last place."""
    # B008: each lambda gets its own tab, opened here, before the burst starts
    return burst([(youth.email, lambda tab=admin.tab(), youth=youth: tab.post(path, {  # noqa: B008
        "youth": seeds.youth_key(youth.youth_id), "offer": seeds.offer_key(offer_id)}))
        for youth in youths])


def test_offers_by_hand_at_once_never_exceed_the_places(site, admin):
    round_id, offers = site.seed(_last_place_offers)
    path = site.path("rounds.offer_by_hand", round_id=round_id)
    admin.read_csrf(site.path("rounds.show", round_id=round_id))
    mark = site.mail_mark()
    pressed = [(offer_id, youths, _offer_by_hand_at_once(admin, path, offer_id, youths))
               for offer_id, _title, youths in offers]
    mail = site.settled_mail(mark)
    for (offer_id, youths, outcomes), (_, title, _) in zip(pressed, offers):
        assert_answered(outcomes, site)
        with site.reading() as session:
            active = session.scalars(sa.select(Placement).where(
                Placement.offer_id == offer_id, Placement.state.in_(ACTIVE))).all()
        assert len(active) == 5, f"{len(active)} active places on an offer of 5"
        winner = sole({p.youth_id for p in active} & {y.youth_id for y in youths},
                      "youth placed")
        assert len(_successes(outcomes, site.text("The place is offered."))) == 1, outcomes
        full = site.text("That offer has no free place.")
        assert sum(full in o.flashes("error") for o in outcomes) == 5, outcomes
        for youth in youths:
            assert _offered_mail(site, mail, youth, [title]) == (youth.youth_id == winner)


def test_a_double_click_on_offer_by_hand_offers_one_place(site, admin):
    def build():
        round_ = seeds.round_(RoundState.PUBLISHED)
        offer = seeds.activity(round_, capacity=10)
        return round_.id, offer.id, offer.title, seeds.youth()
    round_id, offer_id, title, youth = site.seed(build)
    mark = site.mail_mark()
    outcomes = _press(site, admin, round_id, site.path("rounds.offer_by_hand", round_id=round_id),
                      data={"youth": seeds.youth_key(youth.youth_id),
                            "offer": seeds.offer_key(offer_id)})
    assert_answered(outcomes, site)
    with site.reading() as session:
        places = session.scalars(sa.select(Placement).where(
            Placement.offer_id == offer_id, Placement.youth_id == youth.youth_id)).all()
    assert len(places) == 1, f"{len(places)} places for one youth on one offer"
    assert len(_successes(outcomes, site.text("The place is offered."))) == 1, outcomes
    assert all(o.flashes("error") for o in outcomes
               if site.text("The place is offered.") not in o.flashes("success")), outcomes
    mail = site.settled_mail(mark)
    assert _offered_mail(site, mail, youth, [title]) == 1
    site.start_rq_worker()
    run_id = runs.start_run(site, admin, round_id)
    assert runs.finished(site, admin, run_id)["status"] == "succeeded", site.log_tail()


# --- 3. round steps --------------------------------------------------------------------

def test_a_double_publish_sends_the_offers_once(site, admin):
    round_id, run_id, youths = site.seed(seeds.allocated_round)
    with site.reading() as session:
        proposed = Counter(p.youth_id for p in session.scalars(
            sa.select(Placement).where(Placement.run_id == run_id)))
        titles = {p.offer.title for p in session.scalars(
            sa.select(Placement).where(Placement.run_id == run_id))}
    assert proposed and len(proposed) < len(youths), "the seed should leave someone without"
    mark = site.mail_mark()
    outcomes = _press(site, admin, round_id,
                      site.path("rounds.step", round_id=round_id, action="publish"))
    assert_answered(outcomes, site)
    with site.reading() as session:
        publishing = session.scalars(sa.select(BackgroundJob.id).where(
            BackgroundJob.round_id == round_id, BackgroundJob.kind == JobKind.PUBLISH)).all()
    assert len(publishing) == 1, "one job sends the offers"
    job_page = site.path("rounds.job", job_id=publishing[0])
    # The winner lands on the job's page, and so does a click while it works; the others
    # waited for the first and found the run sent: refused while the round was still
    # being published, or told that nothing new was sent.
    followed = [o for o in outcomes if o.url.endswith(job_page)]
    refused = site.text("That step is not possible now (the round is %(state)s).",
                        state=site.text("published"))
    nothing_new = site.text("Nothing new was sent: there were no new offers to send.")
    assert followed and sum(refused in o.flashes("error") or nothing_new in o.flashes("success")
                            for o in outcomes if o not in followed) \
        == len(outcomes) - len(followed), outcomes

    def finished() -> bool:
        with site.reading() as session:
            return session.get(BackgroundJob, publishing[0]).status is JobStatus.SUCCEEDED
    wait_until(finished, 60, "the publishing job to finish")
    mail = site.settled_mail(mark)
    with site.reading() as session:
        offered = Counter(p.youth_id for p in session.scalars(sa.select(Placement).where(
            Placement.round_id == round_id, Placement.state == PlacementState.OFFERED)))
        assert len(_round_audit(session, "round.published", round_id)) == 1
    assert offered == proposed
    nothing = site.text("The results are out: %(round)s", round=_round_name(site, round_id))
    for youth in youths:
        placed = proposed.get(youth.youth_id, 0)
        assert len(mail.recorded_to(youth.email, "placement.offered")) == placed, youth
        assert _offered_mail(site, mail, youth, titles) == placed, youth
        assert len(mail.received_to(youth.email, nothing)) == (0 if placed else 1), youth


def _round_name(site, round_id: int) -> str:
    with site.reading() as session:
        return session.get(Round, round_id).name


#: Closing takes a few milliseconds, so one burst of five often lands one after the other
#: on a two-core machine; several rounds, each closed from five tabs at once, make an
#: overlap (the race) near certain.
CLOSED_ROUNDS = 8


def test_a_double_close_draws_one_seed(site, admin):
    round_ids = site.seed(lambda: [seeds.round_().id for _ in range(CLOSED_ROUNDS)])
    pressed = {round_id: _press(site, admin, round_id, site.path(
        "rounds.step", round_id=round_id, action="close")) for round_id in round_ids}
    for round_id, outcomes in pressed.items():
        assert_answered(outcomes, site)
        _assert_one_seed(site, round_id)
        assert sum(bool(o.flashes("success")) for o in outcomes) == 1, outcomes
        assert sum(bool(o.flashes("error")) for o in outcomes) == 4, outcomes


def _assert_one_seed(site, round_id: int) -> None:
    def frozen() -> bool:  # the closing job writes the round.closed row with the problem
        with site.reading() as session:
            return session.get(Round, round_id).problem_fingerprint is not None
    wait_until(frozen, 30, f"round {round_id}'s closing job to freeze its problem")
    with site.reading() as session:
        assert len(session.scalars(sa.select(BackgroundJob.id).where(
            BackgroundJob.round_id == round_id, BackgroundJob.kind == JobKind.CLOSE)).all()) == 1
        round_ = session.get(Round, round_id)
        closed = _round_audit(session, "round.closed", round_id)
        state, seed, shown = round_.state, round_.lottery_seed, round_.seed_fingerprint
    assert state is RoundState.CLOSED
    assert [e.details["seed_fingerprint"] for e in closed] == [shown], \
        f"round {round_id}: closed {len(closed)} times; the fingerprint changed"
    assert fingerprint(seed) == shown
    public = site.person().get(site.path("rounds.public", round_id=round_id))
    assert public.status_code == 200 and shown in public.text


def test_a_double_start_keeps_one_run_under_way(site, admin):
    def build():
        from youth_app.allocation import services as allocation

        round_ = seeds.round_()
        offer = seeds.activity(round_, capacity=2)
        for youth in seeds.youths(3):
            seeds.choose(youth, round_, [offer])
        allocation.close(round_)
        return round_.id
    round_id = site.seed(build)
    site.stop_rq_worker()  # runs stay queued: the burst all lands while one is under way
    try:
        outcomes = _press(site, admin, round_id, site.path("rounds.start_run", round_id=round_id))
        assert_answered(outcomes, site)
        with site.reading() as session:
            made = session.scalars(sa.select(AllocationRun).where(
                AllocationRun.round_id == round_id)).all()
        assert len(made) == 1, f"{len(made)} runs under way at once: {[r.status for r in made]}"
        started = [o for o in outcomes if runs.RUN_PAGE.search(o.url)]
        assert len(started) == 1, outcomes
        assert all(o.flashes("error") for o in outcomes if o not in started), outcomes
    finally:
        site.start_rq_worker()
    assert runs.finished(site, admin, made[0].id)["status"] == "succeeded"
    with site.reading() as session:
        assert session.get(Round, round_id).state is RoundState.ALLOCATED
