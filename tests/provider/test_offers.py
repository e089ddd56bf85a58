"""Posting offers: a short form, clear errors, review by the municipality."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.models import Offer, OfferStatus, Role, Round

from ..conftest import log_in

pytestmark = pytest.mark.provider


def _form(world, **changes) -> dict:
    data = {"kind": "job", "title": "Kafébiträde", "description": "Servera glass.",
            "round": str(world.round_id), "allocation_mode": "round",
            "period": f"{world.round_id}:0", "place": "Hamnen 1", "district": "0",
            "capacity": "3", "min_age": "15", "max_age": "17",
            "supervisor_name": "Kim", "supervisor_phone": "0523-1234",
            "interests": ["food", "shop"]}
    data.update(changes)
    return data


def test_post_a_job_send_it_for_review_and_get_it_published(app, we, world, client_as):
    response = we.post("/provider/offers/new", data=_form(world))
    assert response.status_code == 302
    with app.app_context():
        offer = db.session.scalar(sa.select(Offer).where(Offer.title == "Kafébiträde"))
        assert offer.status is OfferStatus.DRAFT
        assert offer.weeks == ["2027-W25", "2027-W26", "2027-W27"]  # the round's period
        assert offer.interests == ["food", "shop"]
        offer_id = offer.id
    assert "Kafébiträde" not in we.get("/offers/").get_data(as_text=True)
    we.post(f"/provider/offers/{offer_id}/submit")
    admin = client_as(Role.ADMINISTRATOR)
    assert "Kafébiträde" in admin.get("/admin/offers").get_data(as_text=True)
    admin.post(f"/admin/offers/{offer_id}/publish")
    assert "Kafébiträde" in we.get("/offers/").get_data(as_text=True)


def test_errors_are_explained_and_nothing_typed_is_lost(we, world):
    page = we.post("/provider/offers/new",
                   data=_form(world, min_age="17", max_age="15", period="")).get_data(
        as_text=True)
    assert page.count('aria-invalid="true"') == 2
    assert 'value="Kafébiträde"' in page and "Servera glass." in page


def test_activity_needs_weeks_and_may_be_open_sign_up(app, we, world):
    page = we.post("/provider/offers/new", data=_form(
        world, kind="activity", round="0", allocation_mode="open", period="")).get_data(
        as_text=True)
    assert 'id="weeks-error"' in page
    we.post("/provider/offers/new", data=_form(
        world, kind="activity", round="0", allocation_mode="open", period="",
        weeks=["2027-W28", "2027-W29"]))
    with app.app_context():
        offer = db.session.scalar(sa.select(Offer).where(Offer.title == "Kafébiträde"))
        assert offer.weeks == ["2027-W28", "2027-W29"] and offer.round_id is None


def test_copy_last_years_offer_into_this_years_round(app, we, world):
    with app.app_context():
        db.session.get(Round, world.round_id).name = "Sommarjobb 2027"
        db.session.commit()
    response = we.post(f"/provider/offers/{world.ours}/copy", data={"round": world.round_id})
    assert "/edit" in response.headers["Location"]
    with app.app_context():
        copies = db.session.scalars(sa.select(Offer).where(
            Offer.title == "Seglingsassistent", Offer.status == OfferStatus.DRAFT)).all()
        assert len(copies) == 1 and copies[0].weeks[0].startswith("2027-W25")


def test_unapproved_organisations_offers_are_not_published(app, world, client_as):
    from .. import factories

    with app.app_context():
        user = factories.user(Role.PROVIDER, email="new@club.example")
        user.organisation.approved_at = None
        offer = factories.offer(user.organisation, None, status=OfferStatus.SUBMITTED)
        db.session.commit()
        offer_id, org_id = offer.id, user.organisation_id
    admin = client_as(Role.ADMINISTRATOR)
    page = admin.post(f"/admin/offers/{offer_id}/publish", follow_redirects=True)
    assert 'role="alert"' in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Offer, offer_id).status is OfferStatus.SUBMITTED
    admin.post(f"/admin/organisations/{org_id}/approve")
    admin.post(f"/admin/offers/{offer_id}/publish")
    with app.app_context():
        assert db.session.get(Offer, offer_id).status is OfferStatus.PUBLISHED


def test_invite_a_colleague(app, we, world):
    we.post("/provider/invite", data={"email": "colleague@sailing.example"})
    with app.app_context():
        from youth_app.models import OutgoingMessage, User

        message = db.session.scalar(sa.select(OutgoingMessage).where(
            OutgoingMessage.recipient == "colleague@sailing.example"))
        link = message.body.split("\n\n")[2].strip()
        colleague = db.session.scalar(sa.select(User).where(
            User.email == "colleague@sailing.example"))
        assert colleague.organisation.name == db.session.scalar(sa.select(User).where(
            User.email == world.our_email)).organisation.name
    new = app.test_client()
    new.post(link.replace("http://localhost", ""), data={"password": "seglar hela dagen",
                                                          "confirm": "seglar hela dagen"})
    assert log_in(new, "colleague@sailing.example", "seglar hela dagen").status_code == 302
    assert "Seglingsassistent" in new.get("/provider/").get_data(as_text=True)


def _outbox(app, kind: str) -> list[tuple[str, str]]:
    from youth_app.models import OutgoingMessage

    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(OutgoingMessage.recipient, OutgoingMessage.body)
            .where(OutgoingMessage.kind == kind))]


def test_a_returned_offer_says_why_and_the_provider_is_mailed_both_ways(
        app, we, world, client_as):
    from html import unescape

    from youth_app import audit  # noqa: F401  (the audit rows are read below)
    from youth_app.models import AuditEvent

    we.post("/provider/offers/new", data=_form(world))
    with app.app_context():
        offer = db.session.scalar(sa.select(Offer).where(Offer.title == "Kafébiträde"))
        offer_id, contact = offer.id, offer.organisation.contact_email
    we.post(f"/provider/offers/{offer_id}/submit")
    admin = client_as(Role.ADMINISTRATOR)
    refused = admin.post(f"/admin/offers/{offer_id}/return", data={f"o{offer_id}-reason": " "},
                         follow_redirects=True).get_data(as_text=True)
    assert "Skriv vad" in unescape(refused) or "Write what" in unescape(refused)
    with app.app_context():
        assert db.session.get(Offer, offer_id).status is OfferStatus.SUBMITTED
    reason = "Skriv vilka timmar per dag jobbet gäller."
    admin.post(f"/admin/offers/{offer_id}/return", data={f"o{offer_id}-reason": reason})
    with app.app_context():
        assert db.session.get(Offer, offer_id).status is OfferStatus.DRAFT
    assert reason in unescape(we.get(f"/provider/offers/{offer_id}").get_data(as_text=True))
    [(to, body)] = _outbox(app, "offer.returned")
    assert to == contact and reason in body

    we.post(f"/provider/offers/{offer_id}/submit")
    admin.post(f"/admin/offers/{offer_id}/publish")
    [(to, _body)] = _outbox(app, "offer.published")
    assert to == contact
    assert reason not in unescape(we.get(f"/provider/offers/{offer_id}").get_data(as_text=True))
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.action.like("offer.%")).order_by(AuditEvent.id)).all()
    assert actions.count("offer.returned") == 1 and actions.count("offer.published") == 1


def test_a_job_states_its_hours_and_pay_and_young_people_read_them(app, we, world,
                                                                    client_as):
    page = we.get("/provider/offers/new").get_data(as_text=True)
    assert "Arbetstimmar per dag (sommarjobb)" in page and "Lön per timme i kronor" in page
    too_long = we.post("/provider/offers/new", data=_form(world, hours_per_day="10"))
    assert 'id="hours_per_day-error"' in too_long.get_data(as_text=True), "at most 8 a day"
    we.post("/provider/offers/new", data=_form(world, hours_per_day="6", hourly_pay="105"))
    we.post("/provider/offers/new", data=_form(world, title="Pyssel", kind="activity",
                                               round="0", allocation_mode="open", period="",
                                               weeks=["2027-W28"], hours_per_day="3",
                                               hourly_pay="50"))
    with app.app_context():
        job = db.session.scalar(sa.select(Offer).where(Offer.title == "Kafébiträde"))
        activity = db.session.scalar(sa.select(Offer).where(Offer.title == "Pyssel"))
        assert (job.hours_per_day, job.hourly_pay) == (6, 105)
        assert (activity.hours_per_day, activity.hourly_pay) == (None, None), "a job's only"
        job.status = OfferStatus.PUBLISHED
        db.session.commit()
        job_id = job.id
    shown = client_as(Role.YOUTH).get(f"/offers/{job_id}").get_data(as_text=True)
    assert "<dt>Timmar per dag</dt><dd>6</dd>" in shown
    assert "<dt>Lön</dt><dd>105 kronor i timmen</dd>" in shown


def test_a_draft_offers_only_what_a_draft_can_do_and_is_deleted_after_asking(app, we, world):
    we.post("/provider/offers/new", data=_form(world))
    with app.app_context():
        draft_id = db.session.scalar(sa.select(Offer.id).where(Offer.title == "Kafébiträde"))
    page = we.get(f"/provider/offers/{draft_id}").get_data(as_text=True)
    for shown in ("Ändra", "Skicka för granskning", "Ta bort utkastet"):
        assert shown in page
    for hidden in ("Stäng erbjudandet", "Kopiera erbjudandet", "Deltagare"):
        assert hidden not in page, f"a draft has no {hidden!r}"
    published = we.get(f"/provider/offers/{world.ours}").get_data(as_text=True)
    assert "Stäng erbjudandet" in published and "Ta bort" not in published
    assert we.post(f"/provider/offers/{world.ours}/delete", follow_redirects=True).status_code \
        == 200
    with app.app_context():
        assert db.session.get(Offer, world.ours) is not None, "a published offer stays"

    asked = we.get(f"/provider/offers/{draft_id}/delete").get_data(as_text=True)
    assert "Ta bort Kafébiträde?" in asked and "kan inte återställas" in asked
    with app.app_context():
        assert db.session.get(Offer, draft_id) is not None, "asking deletes nothing"
    done = we.post(f"/provider/offers/{draft_id}/delete", follow_redirects=True)
    assert "Kafébiträde är borttaget." in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Offer, draft_id) is None
