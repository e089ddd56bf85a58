"""The young person's whole journey in a real browser, on a phone, from the demo data.

From "I heard there are summer jobs" to "I have a place and know where to be on
Monday": register, confirm, choose and order, sign up, get an offer, a guardian's
consent, accept, see where to go and why, and check one's lottery number by hand from
one's own code and the round's published draws. In Swedish with touch, in Arabic with the
keyboard alone, and for a youth who got nothing. axe runs on every page reached.
"""
from __future__ import annotations

import json
import re
from datetime import date
from hashlib import sha256

import pytest
import sqlalchemy as sa

from youth_app import demo
from youth_app.extensions import db
from youth_app.identity import with_check_digit
from youth_app.models import (
    Application,
    District,
    GuardianConsent,
    Offer,
    OfferKind,
    OutgoingMessage,
    Placement,
    PriorityGroup,
    PriorityMembership,
    Role,
    Round,
    RoundState,
    User,
    YouthProfile,
)

from .. import factories

pytest.register_assert_rewrite("tests.browser.journey")
from .journey import (
    confirm_and_log_in,
    allocate_and_publish,
    consent_code,
    click,
    download_json,
    flashes,
    focus_is_visible,
    focused_text,
    link_in_mail,
    main_text,
    press_enter,
    said,
    shown_deadline,
    tab_to,
    visit,
)
from .site import Site

pytestmark = [pytest.mark.youth]

NEWCOMER = {"first_name": "Nora", "last_name": "Holm", "email": "nora@test.example",
            "born": date(2011, 9, 1)}
GUARDIAN = {"name": "Lena Holm", "email": "lena.holm@test.example"}
#: Where the demo has three summer jobs a 15-year-old may take.
JOBS_DISTRICT = "Lysekil centrum"


def _demo_round(app) -> tuple[int, str]:
    with app.app_context():
        round_ = db.session.scalar(sa.select(Round))
        return round_.id, round_.name


def _room_for_everyone_who_chose(app, offer_id: int) -> None:
    """The demo has more applicants than places; this journey follows a newcomer who gets
    their first choice, so that offer gets a place for everyone who chose it."""
    with app.app_context():
        offer = db.session.get(Offer, offer_id)
        offer.capacity = max(offer.capacity, db.session.scalar(
            sa.select(sa.func.count(Application.id)).where(Application.offer_id == offer_id)))
        db.session.commit()


def _roomiest_jobs(app, district: str, age: int, count: int = 3) -> list[tuple[int, str]]:
    """Demo jobs of the open round in ``district`` with the most places nobody has chosen yet, distinct
    titles, roomiest first: a newcomer who puts the first one first surely gets it."""
    with app.app_context():
        chosen = (sa.select(sa.func.count(Application.id))
                  .where(Application.offer_id == Offer.id).scalar_subquery())
        rows = db.session.execute(
            sa.select(Offer.id, Offer.title).join(District)
            .join(Round, Round.id == Offer.round_id)  # this summer's: last summer's is over
            .where(Round.state == RoundState.OPEN, District.name == district,
                   Offer.kind == OfferKind.JOB,
                   Offer.min_age <= age, Offer.max_age >= age)
            .order_by((Offer.capacity - chosen).desc(), Offer.id)).all()
    picked: dict[str, int] = {}
    for offer_id, title in rows:
        picked.setdefault(title, offer_id)
    return [(offer_id, title) for title, offer_id in picked.items()][:count]


def _choice_titles(site: Site) -> list[str]:
    """The titles in their order (the link; screen readers also hear "Number 1 of 3")."""
    return [t.strip() for t in site.page.locator(".choice-list .choice-title a").all_inner_texts()]


def _drag(site: Site, source: int, target: int, below: bool) -> None:
    """Drag the choice at ``source`` onto the lower or upper edge of the one at
    ``target``, as a hand with a mouse does; the page saves and reloads."""
    page, items = site.page, site.page.locator(".choice-list > li")
    items.nth(source).scroll_into_view_if_needed()
    start, end = items.nth(source).bounding_box(), items.nth(target).bounding_box()
    with page.expect_navigation():
        page.mouse.move(start["x"] + 8, start["y"] + 8)
        page.mouse.down()
        page.mouse.move(end["x"] + 8, end["y"] + (end["height"] - 4 if below else 4), steps=10)
        page.mouse.up()


def _choice_button(site: Site, title: str, label: str):
    """The button ``label`` ("Move up" ...) of the choice ``title``; its accessible name
    is the label followed by the title."""
    choice = site.page.locator(".choice", has=site.page.get_by_role("link", name=title,
                                                                     exact=True))
    return choice.get_by_role("button", name=label)


def _register(site: Site, app) -> None:
    """From the start page, through "Register", to the e-mailed link and logging in."""
    visit(site, "/")
    page = site.page
    click(site, page.locator(".main-nav").get_by_role("link", name=said(app, "sv", "Register")))
    click(site, page.get_by_role("link", name=said(app, "sv", "Register as a young person")))
    born = NEWCOMER["born"]
    digits = with_check_digit(f"{born:%y%m%d}482")
    page.locator("#first_name").fill(NEWCOMER["first_name"])
    page.locator("#last_name").fill(NEWCOMER["last_name"])
    page.locator("#personal_number").fill(f"{born:%Y%m%d}-{digits[6:]}")
    page.locator("#email").fill(NEWCOMER["email"])
    page.locator("#district").select_option(label="Brastad")
    page.locator("#school_year").fill("9")
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("#confirm").fill(factories.PASSWORD)
    page.locator("#accept_privacy").check()
    site.submit()
    confirm_and_log_in(site, app, NEWCOMER["email"], factories.PASSWORD)
    assert site.path == "/youth/"
    assert NEWCOMER["first_name"] in page.locator("h1").inner_text()


def _choose_jobs(site: Site, app, jobs: list[tuple[int, str]]) -> None:
    """Filter the catalogue to summer jobs in the newcomer's home district for a
    15-year-old (the demo's centre has the most), add three."""
    page = site.page
    everything = said(app, "sv", "All summer jobs and activities")
    click(site, page.locator("main").get_by_role("link", name=everything))
    page.locator("details.filters-fold > summary").click()  # the filters are folded
    page.locator("#kind").select_option(label=said(app, "sv", "Summer jobs"))
    page.locator("#district").select_option(label=JOBS_DISTRICT)
    page.locator("#age").fill("15")
    site.submit("form.filters")
    filtered = site.path
    cards = page.locator(".offer-card").all_inner_texts()
    assert cards and all(said(app, "sv", "Summer job") in card and JOBS_DISTRICT in card
                         for card in cards), cards
    for offer_id, title in jobs:
        if site.path != filtered:
            visit(site, filtered)  # the browser's Back: the filtered list is in the URL
        click(site, page.locator(f".offer-card a[href='/offers/{offer_id}']"))
        assert page.locator("h1").inner_text() == title
        site.submit("main form")
        assert said(app, "sv", "Your choices are saved.") in flashes(site)
    assert _choice_titles(site) == [title for _id, title in jobs]


def _reorder(site: Site, app, jobs: list[tuple[int, str]]) -> list[str]:
    """Move the first down and the last up, with the buttons; returns the new order."""
    (_a, first), (_b, second), (_c, third) = jobs
    click(site, _choice_button(site, first, said(app, "sv", "Move down")))
    assert _choice_titles(site) == [second, first, third]
    click(site, _choice_button(site, third, said(app, "sv", "Move up")))
    assert _choice_titles(site) == [second, third, first]
    assert said(app, "sv", "%(title)s is now number %(rank)d of %(count)d.",
                title=third, rank=2, count=3) in flashes(site)
    assert site.page.locator(".flashes [role=status]").count() == 1, \
        "the new position is read out"
    assert _choice_button(site, second, said(app, "sv", "Move up")).count() == 0

    # Dragged below the next one and back, with the mouse: where it lands is said too.
    _drag(site, 0, 1, below=True)
    assert _choice_titles(site) == [third, second, first]
    assert said(app, "sv", "%(title)s is now number %(rank)d of %(count)d.",
                title=second, rank=2, count=3) in flashes(site)
    _drag(site, 1, 0, below=False)
    assert _choice_titles(site) == [second, third, first]
    text = main_text(site)
    assert said(app, "sv", "Applying early gives no advantage: everyone who applies before "
                "the deadline is treated the same. When several have the same right to a "
                "place, a lottery decides.") in text
    return [second, third, first]


def _sign_up_for_an_activity(site: Site, app) -> str:
    page = site.page
    visit(site, "/offers/?kind=activity&age=15&q=Gamingkv%C3%A4ll")
    open_ones = page.locator(".offer-card h3 a", has_text="Gamingkväll")  # the demo's drop-in activity
    title = open_ones.first.inner_text()
    click(site, open_ones.first)
    site.submit("main form")
    assert said(app, "sv", "You have a place. Welcome!") in flashes(site)
    assert page.get_by_role("button", name=said(app, "sv", "Cancel my sign-up")).is_visible()
    return title


def _add_guardian(site: Site, app) -> None:
    page = site.page
    click(site, page.locator(".main-nav").get_by_role("link", name=said(app, "sv", "My page")))
    click(site, page.get_by_role("link", name=said(app, "sv", "Change your details")))
    page.locator("#guardians-0-name").fill(GUARDIAN["name"])
    page.locator("#guardians-0-email").fill(GUARDIAN["email"])
    site.submit()
    assert said(app, "sv", "Your details are saved.") in flashes(site)


def _guardian_consents(chromium, live_server, app) -> None:
    """The guardian opens the e-mailed link on their own device, reads what the job is,
    confirms who they are with a code sent to their own e-mail (a wrong code is refused),
    and consents; the consent records how their identity was checked."""
    guardian = Site.open(chromium, live_server)
    try:
        link = link_in_mail(app, live_server, GUARDIAN["email"], "consent.request")
        visit(guardian, link)
        page = guardian.page
        assert NEWCOMER["first_name"] in main_text(guardian)
        assert said(app, "sv", "What you consent to") in main_text(guardian)
        assert page.locator("#confirm").count() == 0, "no consent before the code"
        click(guardian, page.get_by_role("button", name=said(app, "sv", "Send me a code")))
        assert said(app, "sv", "We have sent a code to your e-mail address.") in flashes(guardian)
        code = consent_code(app, GUARDIAN["email"])
        page.locator("#code").fill("000000" if code != "000000" else "111111")
        guardian.submit("form[action$='/verify']", status=422)
        assert said(app, "sv", "The code is wrong. Check the latest e-mail and try again.") \
            in main_text(guardian)
        page.locator("#code").fill(code)
        guardian.submit("form[action$='/verify']")
        consent_form = "form:has(#confirm)"
        page.locator(f"{consent_form} #name").fill(GUARDIAN["name"])
        page.locator("#confirm").check()
        guardian.submit(consent_form)
        given = said(app, "sv", "Thank you. Consent was given on %(date)s.", date="\0")
        assert given.split("\0")[0] in main_text(guardian)
        with app.app_context():
            record = db.session.scalar(sa.select(GuardianConsent).where(
                GuardianConsent.token == link.rsplit("/", 1)[-1]))
            assert record.identity_method == "email_code" and record.identity_checked_at
    finally:
        guardian.close()


def _own_code(app, text: str) -> str:
    """The youth's code in the round, as their result page tells it (10 characters of
    Crockford's base 32)."""
    before, after = said(app, "sv", "Your code in this round is %(code)s. Only you see it "
                         "here; keep it to yourself.", code="\0").split("\0")
    found = re.search(re.escape(before) + "([0-9A-HJKMNP-TV-Z]{10})" + re.escape(after), text)
    assert found, text
    return found.group(1)


def _lottery_number_checked_by_hand(site: Site, app, code: str) -> tuple[int, int]:
    """From the result page, follow "how to check" to the round's public page, download
    every draw, and find one's own: SHA-256 of "<seed>:<code>". Its place in the list
    and the list's length."""
    page = site.page
    click(site, page.get_by_role("link", name=said(
        app, "sv", "How to check your lottery number with it")))
    seed = page.locator(f"xpath=//main//dt[normalize-space()='{said(app, 'sv', 'Seed')}']"
                        "/following-sibling::dd[1]").inner_text().strip()
    assert f"{seed}:YOURCODE" in main_text(site), "the command to try is on the page"
    page.screenshot(path="/tmp/journey-public-360-sv.png", full_page=True)
    name, lottery = download_json(site, page.get_by_role("link", name=said(
        app, "sv", "All draws of this round (JSON)")))
    assert name.endswith("-lottery.json") and lottery["seed"] == int(seed)
    assert code not in json.dumps(lottery), "the draws are published without codes"
    mine = sha256(f"{seed}:{code}".encode("utf-8")).hexdigest()
    return lottery["draws"].index(mine) + 1, len(lottery["draws"])


def test_swedish_newcomer_on_a_phone_from_registration_to_monday(
        phone, app, demo_data, chromium, live_server):
    site, page = phone, phone.page
    round_id, round_name = _demo_round(app)
    jobs = _roomiest_jobs(app, JOBS_DISTRICT, age=15)
    _register(site, app)
    _choose_jobs(site, app, jobs)
    order = _reorder(site, app, jobs)
    activity = _sign_up_for_an_activity(site, app)
    _add_guardian(site, app)

    _room_for_everyone_who_chose(app, dict((t, i) for i, t in jobs)[order[0]])
    allocate_and_publish(app, round_id)
    click(site, page.locator(".main-nav").get_by_role("link", name=said(app, "sv", "My page")))
    places = page.locator("section[aria-labelledby=offers-heading] li")
    assert places.count() == 1
    place = places.first
    assert place.locator("h3").inner_text() == order[0]
    with app.app_context():
        placement = db.session.scalar(sa.select(Placement).join(YouthProfile).join(User)
                                      .where(User.email == NEWCOMER["email"]))
        deadline = placement.reply_by
    assert said(app, "sv", "Answer by %(date)s.", date=shown_deadline(app, "sv", deadline)) \
        in place.inner_text()
    assert said(app, "sv", "A guardian must give consent before you can accept this "
                "job.") in place.inner_text()
    assert said(app, "sv", "We have sent them a link.") in place.inner_text()
    click(site, place.get_by_role("button", name=said(app, "sv", "Accept the place")))
    assert said(app, "sv", "A guardian must give consent before you can accept a job. We have "
                "sent them a link; ask them to open it.") in flashes(site)
    assert said(app, "sv", "You are offered a place") in main_text(site), \
        "the offer is among the messages (named by its kind, in the reader's language)"
    assert activity in main_text(site), "the sign-up is listed on My page"

    _guardian_consents(chromium, live_server, app)
    visit(site, "/youth/")
    place = page.locator("section[aria-labelledby=offers-heading] li").first
    click(site, place.get_by_role("button", name=said(app, "sv", "Accept the place")))
    assert said(app, "sv", "Thank you, your place is confirmed.") in flashes(site)
    place = page.locator("section[aria-labelledby=offers-heading] li").first.inner_text()
    assert said(app, "sv", "Your place is confirmed.") in place
    with app.app_context():
        offer = db.session.scalar(sa.select(Offer).where(Offer.round_id == round_id,
                                                         Offer.title == order[0]))
        meeting_point, supervisor = offer.meeting_point, offer.supervisor_name
    assert f"{said(app, 'sv', 'Meeting point')}: {meeting_point}" in place
    assert f"{said(app, 'sv', 'Who to ask')}: {supervisor}" in place
    assert page.locator("section[aria-labelledby=offers-heading] a[href^='tel:']").count() == 1
    assert said(app, "sv", "A guardian must give consent before you can accept this "
                "job.") not in place

    click(site, page.get_by_role("link", name=said(
        app, "sv", "Why you got what you got: %(round)s", round=round_name)))
    text = main_text(site)
    first_choice = said(app, "sv", "choice %(rank)d", rank=1)
    assert f"{said(app, 'sv', 'You got:')} {order[0]} ({first_choice})" in text
    page.screenshot(path="/tmp/journey-result-360-sv.png", full_page=True)
    number, count = _lottery_number_checked_by_hand(site, app, _own_code(app, text))
    assert said(app, "sv", "Your lottery number is %(number)d of %(count)d.",
                number=number, count=count) in text
    visit(site, f"/youth/rounds/{round_id}/result")  # the browser's Back

    click(site, page.get_by_role("link", name=said(app, "sv", "Back to My page")))
    click(site, page.get_by_role("link", name=said(app, "sv", "See all your data")))
    name, data = download_json(site, page.get_by_role(
        "link", name=said(app, "sv", "Download it as a file (JSON)")))
    assert name == "my-data.json"
    assert data["profile"]["first_name"] == NEWCOMER["first_name"]
    assert [a["offer"] for a in data["applications"]] == order
    assert [(p["offer"], p["state"]) for p in data["placements"]] == [(order[0], "accepted")]
    assert data["guardians"][0]["email"] == GUARDIAN["email"]
    text = main_text(site)
    assert all(title in text for title in order) and GUARDIAN["name"] in text
    # The reply deadline reads the same here, on My page (above) and in the e-mail.
    last_day = shown_deadline(app, "sv", deadline)
    assert last_day in text
    with app.app_context():
        offer_mail = db.session.scalar(sa.select(OutgoingMessage.body).where(
            OutgoingMessage.recipient == NEWCOMER["email"],
            OutgoingMessage.kind.like("placement.offered%")))
    assert last_day in offer_mail
    page.screenshot(path="/tmp/journey-my-data-360-sv.png", full_page=True)


# Arabic, keyboard only ---------------------------------------------------------------

def _alva(app) -> dict:
    with app.app_context():
        youth = db.session.scalar(sa.select(YouthProfile).join(User)
                                  .where(User.email == demo.LOGINS[Role.YOUTH]))
        return {"first_name": youth.first_name, "id": youth.id}


def test_arabic_keyboard_only_on_a_phone(phone, app, demo_data):
    site, page = phone, phone.page
    round_id, _name = _demo_round(app)
    alva = _alva(app)
    visit(site, "/")  # the only page reached without the keyboard

    tab_to(site, ".language-switch button[lang=ar]")
    assert focus_is_visible(site), "the focused language button shows it has focus"
    press_enter(site)
    assert site.html_lang_dir() == ("ar", "rtl")

    tab_to(site, ".main-nav a[href='/login']")
    assert focus_is_visible(site)
    press_enter(site)
    tab_to(site, "#email")
    page.keyboard.type(demo.LOGINS[Role.YOUTH])
    page.keyboard.press("Tab")
    page.keyboard.type(demo.PASSWORD)
    press_enter(site)  # Enter in the password field sends the form
    assert site.path == "/youth/"
    assert alva["first_name"] in page.locator("h1").inner_text()

    tab_to(site, f"main a[href='/youth/rounds/{round_id}/choices']")
    press_enter(site)
    before = _choice_titles(site)
    assert len(before) >= 2, "Alva has choices in the demo"
    move_down = said(app, "ar", "Move down")
    tab_to(site, ".choice-list li:first-child form[action*='/choices/down/'] button")
    assert focused_text(site).startswith(move_down)
    assert focus_is_visible(site), "the focused Move down button shows it has focus"
    press_enter(site)
    after = _choice_titles(site)
    assert after == [before[1], before[0], *before[2:]]
    page.keyboard.press("Tab")
    assert focused_text(site).strip() == before[0], "Tab goes on from the moved choice"
    assert said(app, "ar", "%(title)s is now number %(rank)d of %(count)d.", title=before[0],
                rank=2, count=len(before)) in flashes(site)
    page.screenshot(path="/tmp/journey-choices-360-ar.png", full_page=True)

    with app.app_context():  # the demo has more applicants than places: Alva's first two
        firsts = db.session.scalars(sa.select(Offer.id).where(  # (an activity and a job,
            Offer.round_id == round_id, Offer.title.in_(after[:2]))).all()  # other weeks)
    for offer_id in firsts:
        _room_for_everyone_who_chose(app, offer_id)
    allocate_and_publish(app, round_id)
    tab_to(site, ".main-nav a[href='/youth/']")
    press_enter(site)
    places = page.locator("section[aria-labelledby=offers-heading] li")
    # The demo round gives up to two places each (one of them a job).
    assert places.count() == 2, "Alva is offered her first two choices"
    kept, let_go = after[:2]  # the activity is hers to accept; the job needs a guardian
    assert sorted(places.locator("h3").all_inner_texts()) == sorted([kept, let_go])
    with app.app_context():
        activity = db.session.scalar(sa.select(Placement.id).join(Offer).where(
            Placement.youth_id == alva["id"], Offer.title == kept))
    page.screenshot(path="/tmp/journey-home-360-ar.png", full_page=True)

    tab_to(site, f"form[action$='/placements/{activity}/accept'] button")
    assert focused_text(site) == said(app, "ar", "Accept the place")
    assert focus_is_visible(site), "the focused Accept button shows it has focus"
    press_enter(site)
    assert said(app, "ar", "Thank you, your place is confirmed.") in flashes(site)
    tab_to(site, "main a[href$='/decline']")
    assert focused_text(site).startswith(said(app, "ar", "Decline"))
    press_enter(site)  # a page that asks once more: the place cannot be taken back
    tab_to(site, "form[action$='/decline'] button")
    assert focused_text(site) == said(app, "ar", "Yes, decline the place")
    press_enter(site)
    assert said(app, "ar", "You have declined the place. It goes to someone else.") \
        in flashes(site)

    accepted = places.filter(has_text=kept).first.inner_text()
    assert said(app, "ar", "Your place is confirmed.") in accepted
    assert said(app, "ar", "Meeting point") in accepted
    assert said(app, "ar", "Who to ask") in accepted
    declined = places.filter(has_text=let_go).first.inner_text()
    assert said(app, "ar", "You declined this place.") in declined
    assert page.locator("main form[action*='/placements/']").count() == 0, "nothing left to answer"
    page.screenshot(path="/tmp/journey-accepted-360-ar.png", full_page=True)


# Nothing this time -------------------------------------------------------------------

MARKER = "PRIO-MARKER-7731"


def _round_nobody_else_can_win(app) -> int:
    """Two places, two rivals whom the published rule puts first, and a 15-year-old who
    chose both and a job for 16-year-olds. The 15-year-old is in a priority group the
    round does not use, named with ``MARKER``: the name must never reach them."""
    with app.app_context():
        round_ = factories.round_(policy={"max_places_per_youth": 1, "max_jobs_per_youth": 1,
                                          "priority_tiers": ["targeted"],
                                          "priority_ranks": True})
        org = factories.organisation("Brastad Fotbollsklubb")
        offers = [factories.offer(org, round_, kind=OfferKind.ACTIVITY, title=title, capacity=1,
                                  min_age=13, max_age=19, meeting_point="Planen")
                  for title in ("Fotbollsläger", "Seglarskola")]
        offers.append(factories.offer(org, round_, title="Hamnvärd", min_age=16, max_age=17))
        targeted = PriorityGroup(code="targeted", name="Målgrupp")
        marked = PriorityGroup(code="marked", name=f"{MARKER} grupp",
                               description=f"{MARKER} beskrivning")
        loser = factories.user(Role.YOUTH, email="inget@test.example")
        loser.youth_profile.date_of_birth = date(2011, 9, 1)
        db.session.add(PriorityMembership(group=marked, youth=loser.youth_profile,
                                          reason=f"{MARKER} skäl"))
        for rank, offer in enumerate(offers, start=1):
            db.session.add(Application(round=round_, youth=loser.youth_profile, offer=offer,
                                       rank=rank))
        for _ in range(2):
            rival = factories.user(Role.YOUTH).youth_profile
            db.session.add(PriorityMembership(group=targeted, youth=rival, reason="x"))
            for rank, offer in enumerate(offers[:2], start=1):
                db.session.add(Application(round=round_, youth=rival, offer=offer, rank=rank))
        db.session.commit()
        return round_.id


def test_youth_who_got_nothing_is_told_why_and_never_sees_priority_groups(phone, app):
    site, page = phone, phone.page
    round_id = _round_nobody_else_can_win(app)
    allocate_and_publish(app, round_id)
    site.log_in("inget@test.example", factories.PASSWORD)
    pages = {}
    for language in ("sv", "ar"):
        if language != "sv":
            site.switch_language(language)
        visit(site, "/youth/")
        assert said(app, language, "You did not get a place this time.") in main_text(site)
        pages[f"/youth/ {language}"] = page.content()
        click(site, page.locator(f"main a[href='/youth/rounds/{round_id}/result']"))
        text = main_text(site)
        assert said(app, language, "You did not get a place this time.") in text
        reasons = page.locator("main ol li").all_inner_texts()
        assert len(reasons) == 3, reasons
        full = said(app, language, "All its places went to others who, by the published "
                    "rule, came first.")
        too_young = said(app, language, "You were younger than the offer's lowest age.")
        assert full in reasons[0] and full in reasons[1] and too_young in reasons[2], reasons
        pages[f"result {language}"] = page.content()
        if language == "ar":
            page.screenshot(path="/tmp/journey-nothing-360-ar.png", full_page=True)
        for path in ("/youth/my-data", "/youth/profile", f"/youth/rounds/{round_id}/choices",
                     "/offers/"):
            visit(site, path)
            pages[f"{path} {language}"] = page.content()
    pages["my-data.json"] = site.context.request.get("/youth/my-data.json").text()
    leaked = [where for where, html in pages.items() if MARKER in html]
    assert not leaked, f"the priority group shows on {leaked}"


# A guardian added after the offer ------------------------------------------------------

def _job_offered_to_a_youth_without_guardian(app) -> int:
    with app.app_context():
        round_ = factories.round_()
        job = factories.offer(factories.organisation("Brastad Livs AB"), round_, capacity=1,
                              min_age=15, max_age=17, meeting_point="Butiken")
        youth = factories.user(Role.YOUTH, email="sen@test.example").youth_profile
        youth.date_of_birth, youth.private_email = NEWCOMER["born"], "sen@test.example"
        db.session.add(Application(round=round_, youth=youth, offer=job, rank=1))
        db.session.commit()
        return round_.id


def test_guardian_added_after_the_offer_is_sent_the_consent_link(phone, app):
    site, page = phone, phone.page
    allocate_and_publish(app, _job_offered_to_a_youth_without_guardian(app))
    site.log_in("sen@test.example", factories.PASSWORD)
    place = page.locator("section[aria-labelledby=offers-heading] li").first.inner_text()
    assert said(app, "sv", "We have no guardian's e-mail address for you.") in place
    assert said(app, "sv", "or call us on %(phone)s.",
                phone=app.config["CONTACT_PHONE"]) in place
    click(site, page.get_by_role("link", name=said(app, "sv", "Change your details")))
    page.locator("#guardians-0-name").fill(GUARDIAN["name"])
    page.locator("#guardians-0-email").fill(GUARDIAN["email"])
    site.submit()
    assert said(app, "sv", "Your details are saved.") in flashes(site)
    visit(site, "/youth/")
    place = page.locator("section[aria-labelledby=offers-heading] li").first.inner_text()
    assert said(app, "sv", "We have sent them a link.") in place, "as the page promised"
    assert link_in_mail(app, site.origin, GUARDIAN["email"], "consent.request")
    click(site, page.get_by_role("link", name=said(app, "sv", "Change your details")))
    site.submit()  # saved again, unchanged: the guardian is not asked twice
    with app.app_context():
        sent = db.session.scalar(sa.select(sa.func.count(OutgoingMessage.id)).where(
            OutgoingMessage.recipient == GUARDIAN["email"]))
    assert sent == 1
