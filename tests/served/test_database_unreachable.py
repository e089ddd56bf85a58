"""PostgreSQL out of reach: gunicorn talks to it through a proxy the test stops.

While it is down, every page answers 503 with the product's own error page (in
Swedish, with the security headers, no traceback). When it is back, the same logged-in
sessions work again, what was saved before is all there, and a save caught by the
outage is there whole or not at all.
"""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from youth_app.models import Application

from . import seeds
from .clients import assert_answered, burst

YOUTHS = 6


@pytest.fixture(scope="module")
def site(serve):
    return serve(workers=2, database_proxy=True)


def _build():
    round_ = seeds.round_()
    offers = [seeds.activity(round_, week=25 + i) for i in range(3)]
    catalogue_offer = offers[0].id
    youths = seeds.youths(YOUTHS)
    firsts = [tuple(seeds.choose(youth, round_, offers)) for youth in youths]
    return round_.id, catalogue_offer, youths, firsts


def _saved(site, round_id: int, youth_id: int) -> list[tuple[int, int]]:
    with site.reading() as session:
        return session.execute(sa.select(Application.offer_id, Application.rank).where(
            Application.round_id == round_id, Application.youth_id == youth_id)
            .order_by(Application.rank)).all()


def _assert_product_503(response, what: str) -> None:
    text = response.text
    assert response.status_code == 503, f"{what}: {response.status_code}"
    assert "Content-Security-Policy" in response.headers, f"{what}: no CSP header"
    assert response.headers.get("Content-Type", "").startswith("text/html"), what
    assert '<html lang="sv"' in text and "</html>" in text, f"{what}: not the product's page"
    assert "Traceback" not in text and "psycopg" not in text.lower(), f"{what}: leaks the error"


def test_the_database_out_of_reach_gives_503_and_loses_nothing(site):
    round_id, offer_id, youths, firsts = site.seed(_build)
    people = site.logged_in(youths)
    choices = site.path("youth.choices", round_id=round_id)
    saving = site.path("youth.reorder_choices", round_id=round_id)
    for person in people:
        person.read_csrf(choices)
    orders = [tuple(reversed(first)) for first in firsts]
    before = people[0].post(saving, {"order": ",".join(map(str, orders[0]))})
    assert before.status_code == 200 and before.history, "the save before the outage failed"

    # Saves in flight when the connection goes: each must be all there or not at all.
    outage = threading.Timer(0.05, site.proxy.stop)
    outage.start()
    burst([(f"save {p.account.email}", lambda p=p, order=order: p.post(
        saving, {"order": ",".join(map(str, order))})) for p, order in zip(people[1:], orders[1:])])
    outage.join()

    stranger = site.person()
    during = {"an anonymous page": stranger.get(site.path("catalogue.show", offer_id=offer_id)),
              "a signed-in youth's page": people[0].get(choices),
              "a form sent": people[1].post(saving, {"order": ",".join(map(str, firsts[1]))})}
    site.proxy.start()
    failures = []
    for what, response in during.items():
        try:
            _assert_product_503(response, what)
        except AssertionError as error:
            failures.append(str(error))
    assert not failures, f"{failures}\n{site.log_tail(40)}"

    back = burst([(p.account.email, lambda p=p: p.get(choices)) for p in people])
    assert_answered(back, site)
    still_signed_in = [o.status == 200 and o.url == site.url + choices for o in back]
    assert all(still_signed_in), back
    assert [offer for offer, _ in _saved(site, round_id, youths[0].youth_id)] == list(orders[0])
    for youth, first, order in zip(youths[1:], firsts[1:], orders[1:]):
        saved = _saved(site, round_id, youth.youth_id)
        assert [rank for _, rank in saved] == list(range(1, len(saved) + 1)), saved
        assert tuple(offer for offer, _ in saved) in (first, order), (youth.email, saved)
