"""Sending the offers cannot be undone: a confirmation page with the counts first; the
round never goes back once published, and a second round sends only its new offers."""
from __future__ import annotations

from datetime import date
from html import unescape

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext, ngettext

from youth_app.extensions import db
from youth_app.models import (Application, AuditEvent, OfferKind, OutgoingMessage, Placement,
                              PlacementState, Role, Round, RoundState)
from youth_app.placements import services as placements

from .. import factories

pytestmark = pytest.mark.staff


@pytest.fixture
def season(app, monkeypatch):
    """An open round with one job of two places and three applicants."""
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    with app.app_context():
        round_ = factories.round_(policy={"max_places_per_youth": 1, "max_jobs_per_youth": 1,
                                          "priority_tiers": [], "priority_ranks": True})
        job = factories.offer(round=round_, kind=OfferKind.JOB, capacity=2, min_age=13,
                              max_age=19)
        for i in range(3):
            youth = factories.user(Role.YOUTH).youth_profile
            youth.date_of_birth = date(2011, 1, 1 + i)
            db.session.add(Application(round=round_, youth=youth, offer=job, rank=1))
        db.session.commit()
        return round_.id


def sv(app, text: str, plural: str | None = None, num: int = 0, **values) -> str:
    with app.test_request_context(), force_locale("sv"):
        said = ngettext(text, plural, num, **values) if plural else gettext(text, **values)
    return str(said)


def _mails(app, kind: str) -> list[str]:
    """Recipients of e-mails of ``kind`` (an offer to a minor without a guardian on file
    is an offer e-mail too: ``placement.offered_no_guardian``)."""
    with app.app_context():
        return sorted(db.session.scalars(sa.select(OutgoingMessage.recipient).where(
            sa.or_(OutgoingMessage.kind == kind, OutgoingMessage.kind.like(f"{kind}\\_%",
                                                                            escape="\\")))))


def _page(admin, url: str) -> str:
    return unescape(admin.get(url).get_data(as_text=True))


def test_the_round_page_leads_to_a_confirmation_with_the_counts(app, client_as, season):
    admin = client_as(Role.ADMINISTRATOR)
    admin.post(f"/admin/rounds/{season}/close")
    admin.post(f"/admin/rounds/{season}/runs")
    show = _page(admin, f"/admin/rounds/{season}")
    assert f'href="/admin/rounds/{season}/publish"' in show
    assert f'action="/admin/rounds/{season}/publish"' not in show, "no one-click sending"
    page = _page(admin, f"/admin/rounds/{season}/publish")
    for said in (sv(app, "%(num)d offer will be made.", "%(num)d offers will be made.", 2),
                 sv(app, "%(num)d young person gets an e-mail with an offer.",
                    "%(num)d young people get an e-mail with an offer.", 2),
                 sv(app, "%(num)d young person gets an e-mail saying there is no place this "
                    "time.", "%(num)d young people get an e-mail saying there is no place "
                    "this time.", 1),
                 sv(app, "%(num)d offer needs a guardian's consent: the guardians are asked "
                    "for it.", "%(num)d offers need a guardian's consent: the guardians are "
                    "asked for it.", 2),
                 sv(app, "This cannot be undone. The e-mails go out as soon as you press the "
                    "button.")):
        assert said in unescape(page), page
    assert _mails(app, "placement.offered") == [], "looking at the page sends nothing"
    with app.app_context():
        assert db.session.get(Round, season).state is RoundState.ALLOCATED
    done = admin.post(f"/admin/rounds/{season}/publish", follow_redirects=True)
    assert sv(app, "The offers are sent.") in unescape(done.get_data(as_text=True))
    assert len(_mails(app, "placement.offered")) == 2
    assert len(_mails(app, "placement.none")) == 1


def test_a_second_round_sends_only_its_new_offers(app, client_as, season):
    admin = client_as(Role.ADMINISTRATOR)
    admin.post(f"/admin/rounds/{season}/close")
    admin.post(f"/admin/rounds/{season}/runs")
    admin.post(f"/admin/rounds/{season}/publish")
    first = _mails(app, "placement.offered")
    with app.test_request_context():
        placement = db.session.scalar(sa.select(Placement).order_by(Placement.id).limit(1))
        placements.answer(placement.youth, placement.id, accept=False)
        db.session.commit()
    show = _page(admin, f"/admin/rounds/{season}")
    assert sv(app, "Run a second round for the %(num)d freed place",
              "Run a second round for the %(num)d freed places", 1) in show
    assert f'href="/admin/rounds/{season}/publish"' not in show, "nothing new to send yet"

    admin.post(f"/admin/rounds/{season}/runs")
    with app.app_context():
        assert db.session.get(Round, season).state is RoundState.PUBLISHED, "never back"
    page = _page(admin, f"/admin/rounds/{season}/publish")
    assert sv(app, "%(num)d offer will be made.", "%(num)d offers will be made.", 1) in page
    sent = admin.post(f"/admin/rounds/{season}/publish", follow_redirects=True)
    assert sv(app, "%(num)d new offer is sent. Nobody else got an e-mail.",
              "%(num)d new offers are sent. Nobody else got an e-mail.", 1) in \
        unescape(sent.get_data(as_text=True))
    offered = _mails(app, "placement.offered")
    assert len(offered) == 3 and set(first) < set(offered), "each youth mailed once"
    assert len(_mails(app, "placement.none")) == 1, "not told a second time"
    with app.app_context():
        assert db.session.get(Round, season).state is RoundState.PUBLISHED
        assert db.session.scalar(sa.select(sa.func.count(Placement.id)).where(
            Placement.state == PlacementState.OFFERED)) == 2

    again = admin.post(f"/admin/rounds/{season}/publish", follow_redirects=True)
    assert sv(app, "Nothing new was sent: there were no new offers to send.") in \
        unescape(again.get_data(as_text=True))
    assert len(_mails(app, "placement.offered")) == 3
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "round.published")) == 2, "one row per sending"


def test_the_confirmation_counts_in_the_database_without_loading_the_proposals(
        app, client_as, season):
    """A city's confirmation page must not load every proposal with its youth and offer
    to count them (1.3 s at 20,000 youths): the counts come from one aggregate query."""
    admin = client_as(Role.ADMINISTRATOR)
    admin.post(f"/admin/rounds/{season}/close")
    admin.post(f"/admin/rounds/{season}/runs")
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()).lower())

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert admin.get(f"/admin/rounds/{season}/publish").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
    loads = [s for s in seen if s.startswith("select placement.id")
             or ("from youth_profile" in s and "youth_profile.id in" in s)]
    assert loads == [], loads
    assert any("count(distinct placement.youth_id)" in s for s in seen)
