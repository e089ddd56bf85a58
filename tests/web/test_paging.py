"""Pages that stay small at any size: every long list is shown a page at a time.

For each paged list: more rows than one page; the first page shows exactly a page and
a link to the next; the next shows the rest; a page number that is garbage or past the
end still answers with a clear page (the first, or the last), never a 500.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from youth_app import paging
from youth_app.admin import services as admin_services
from youth_app.caseworker import services as priority
from youth_app.extensions import db
from youth_app.models import (Application, ApartGroup, ApartMember, Attendance, AuditEvent,
                              OfferKind, OfferStatus, OutgoingMessage, Override, OverrideKind,
                              Placement, PlacementState, PriorityGroup, PriorityMembership,
                              Role, RoundState, User, utcnow)
from youth_app.provider import services as provider_services
from youth_app.reports import services as report_services
from youth_app.rounds import services as round_services
from youth_app.youth import services as youth_services

from .. import factories

GARBAGE = ["abc", "0", "-1", "²", "1" * 30, "2.5"]


def next_link(page: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">', page)
    return found.group(1).replace("&amp;", "&") if found else None


def walk(client, url: str, count_rows, size: int, total: int) -> None:
    """The first page holds ``size`` rows and links to the next; following the links
    shows every row once; garbage reads as page 1, past the end as the last page."""
    first = client.get(url)
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert count_rows(html) == size
    assert 'aria-current="page"' in html and 'rel="prev"' not in html
    seen, page = count_rows(html), html
    while (link := next_link(page)) is not None:
        response = client.get(link)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        seen += count_rows(page)
        assert 'rel="prev"' in page
    assert seen == total
    last_rows = total - size * ((total - 1) // size)
    joiner = "&" if "?" in url else "?"
    for garbage in GARBAGE:
        response = client.get(f"{url}{joiner}page={garbage}")
        assert response.status_code == 200, garbage
        assert count_rows(response.get_data(as_text=True)) == size, garbage
    past = client.get(f"{url}{joiner}page=99999")
    assert past.status_code == 200 and count_rows(past.get_data(as_text=True)) == last_rows


# --- the helper itself ------------------------------------------------------------------


def test_a_page_past_the_end_is_the_last_and_an_empty_list_has_one_page():
    page = paging.of_list(list(range(7)), 9, size=3)
    assert (page.number, page.count, page.items, page.first, page.last) == (3, 3, [6], 7, 7)
    empty = paging.of_list([], 4, size=3)
    assert (empty.number, empty.count, empty.items, bool(empty)) == (1, 1, [], False)
    assert not empty.several and page.has_previous and not page.has_next


def test_a_query_is_counted_and_cut_in_the_database(app_context):
    for number in range(7):
        factories.district(f"D{number}")
    db.session.flush()
    from youth_app.models import District

    statement = sa.select(District.name).order_by(District.name)
    page = paging.of_query(statement, 2, size=3)
    assert (page.items, page.total, page.count) == (["D3", "D4", "D5"], 7, 3)
    uncounted = paging.of_query(statement, 3, size=3, counted=False)
    assert (uncounted.items, uncounted.total, uncounted.has_next) == (["D6"], None, False)
    assert paging.of_query(statement, 2, size=3, counted=False).has_next


def test_the_page_links_keep_the_filters_and_survive_odd_parameters(client_as, big_group):
    group_id = big_group(priority.MEMBERS_PAGE_SIZE + 1)
    caseworker = client_as(Role.CASEWORKER)
    url = f"/caseworker/groups/{group_id}?group_id=7&endpoint=x&_external=1&_scheme=ftp&q=a"
    response = caseworker.get(url)
    assert response.status_code == 200
    link = next_link(response.get_data(as_text=True))
    assert link == f"/caseworker/groups/{group_id}?q=a&page=2"


# --- social services --------------------------------------------------------------------


def member_rows(page: str) -> int:
    return len(re.findall(r'<tr><td><a href="/caseworker/youths/\d+">', page))


@pytest.fixture
def big_group(app):
    def make(members: int) -> int:
        with app.app_context():
            group = PriorityGroup(code="targeted", name="Målgrupp")
            db.session.add(group)
            for number in range(members):
                youth = factories.youth_profile(born=date(2010, 1, 1) + timedelta(days=number),
                                                last_name=f"Efternamn{number:04d}")
                db.session.add(PriorityMembership(group=group, youth=youth))
            db.session.commit()
            return group.id
    return make


def test_a_priority_group_is_paged_by_name(client_as, big_group):
    size = priority.MEMBERS_PAGE_SIZE
    group_id = big_group(size + 3)
    caseworker = client_as(Role.CASEWORKER)
    walk(caseworker, f"/caseworker/groups/{group_id}", member_rows, size, size + 3)
    first = caseworker.get(f"/caseworker/groups/{group_id}").get_data(as_text=True)
    assert "Efternamn0000" in first and f"Efternamn{size:04d}" not in first
    assert '<nav class="pager" aria-label=' in first


def test_groups_kept_apart_are_paged(app, client_as):
    size = priority.APART_PAGE_SIZE
    with app.app_context():
        for number in range(size + 2):
            pair = [factories.youth_profile(born=date(2009, 1, 1) + timedelta(days=2 * number + i))
                    for i in range(2)]
            db.session.flush()
            db.session.add(ApartGroup(members=[ApartMember(youth_id=y.id) for y in pair]))
        db.session.commit()
    walk(client_as(Role.CASEWORKER), "/caseworker/apart",
         lambda page: page.count('action="/caseworker/apart/'), size, size + 2)


# --- administrators ---------------------------------------------------------------------


def test_the_consents_page_is_paged_and_lists_only_minors(app, client_as):
    size = admin_services.CONSENTS_PAGE_SIZE
    with app.app_context():
        round_ = factories.round_(state=RoundState.PUBLISHED)
        job = factories.offer(round=round_, kind=OfferKind.JOB, capacity=100)
        adult = factories.youth_profile(born=date(2000, 1, 1), first_name="Vuxen")
        db.session.add(Placement(round=round_, youth=adult, offer=job,
                                 state=PlacementState.OFFERED, reply_by=utcnow()))
        for number in range(size + 2):
            youth = factories.youth_profile(born=date(2012, 1, 1) + timedelta(days=number))
            db.session.add(Placement(round=round_, youth=youth, offer=job,
                                     state=PlacementState.OFFERED,
                                     reply_by=utcnow() + timedelta(hours=number)))
        db.session.commit()
    admin = client_as(Role.ADMINISTRATOR)
    walk(admin, "/admin/consents", lambda page: page.count('<section class="card"'),
         size, size + 2)
    assert "Vuxen" not in admin.get("/admin/consents?page=2").get_data(as_text=True)


def test_recording_a_paper_consent_returns_to_its_page(app, client_as):
    size = admin_services.CONSENTS_PAGE_SIZE
    with app.app_context():
        round_ = factories.round_(state=RoundState.PUBLISHED)
        job = factories.offer(round=round_, kind=OfferKind.JOB, capacity=100)
        for number in range(size + 1):
            youth = factories.youth_profile(born=date(2012, 1, 1) + timedelta(days=number))
            db.session.add(Placement(round=round_, youth=youth, offer=job,
                                     state=PlacementState.OFFERED,
                                     reply_by=utcnow() + timedelta(hours=number)))
        db.session.commit()
    admin = client_as(Role.ADMINISTRATOR)
    page = admin.get("/admin/consents?page=2").get_data(as_text=True)
    action = re.search(r'action="(/admin/consents/\d+\?page=2)"', page).group(1)
    response = admin.post(action, data={"guardian_name": "Gun Förälder"})
    assert response.status_code == 302 and response.headers["Location"].endswith("?page=2")


def test_the_audit_log_is_paged_without_counting(app, client_as):
    size = report_services.PAGE_SIZE
    with app.app_context():
        db.session.add_all([AuditEvent(action="round.saved", details={"count": n})
                            for n in range(size + 4)])
        db.session.commit()
    admin = client_as(Role.ADMINISTRATOR)
    walk(admin, "/admin/reports/audit?action=round.saved",
         lambda page: len(re.findall(r"<td class=\"data-pair\">Antal: \d+</td>", page)),
         size, size + 4)
    first = admin.get("/admin/reports/audit?action=round.saved").get_data(as_text=True)
    assert "Antal: 103<" in first and "Antal: 0<" not in first  # newest first
    assert 'href="/admin/reports/audit?action=round.saved&amp;page=2"' in first


def test_sent_messages_are_paged(app, client_as):
    size = admin_services.MESSAGES_PAGE_SIZE
    with app.app_context():
        db.session.add_all([OutgoingMessage(recipient=f"y{n}@test.example", kind="auth.confirm_email",
                                            subject="Bekräfta", body="") for n in range(size + 5)])
        db.session.commit()
    walk(client_as(Role.ADMINISTRATOR), "/admin/messages",
         lambda page: len(re.findall(r"<td>y\d+@test.example</td>", page)), size, size + 5)


def test_organisations_and_offers_to_review_are_paged(app, client_as):
    organisations, offers = (admin_services.ORGANISATIONS_PAGE_SIZE,
                             admin_services.OFFERS_PAGE_SIZE)
    with app.app_context():
        known = db.session.scalar(sa.select(sa.func.count()).select_from(
            sa.text("organisation")))
        org = factories.organisation("Granskas")
        for number in range(organisations + 2 - known - 1):
            factories.organisation(f"Förening {number:03d}")
        for number in range(offers + 3):
            factories.offer(org=org, title=f"Förslag {number:02d}", status=OfferStatus.SUBMITTED)
        db.session.commit()
    admin = client_as(Role.ADMINISTRATOR)
    walk(admin, "/admin/organisations",
         lambda page: len(re.findall(r"<td>[^<]+</td><td>\d{6}-\d{4}</td>", page)),
         organisations, organisations + 2)
    walk(admin, "/admin/offers", lambda page: page.count('<section class="card"'),
         offers, offers + 3)


def test_hours_waiting_are_paged(app, client_as):
    size = admin_services.HOURS_PAGE_SIZE
    with app.app_context():
        job = factories.offer(kind=OfferKind.JOB)
        youth = factories.youth_profile()
        db.session.add_all([Attendance(offer=job, youth=youth, day=date(2027, 6, 1) + timedelta(days=n),
                                       present=True, hours=4) for n in range(size + 1)])
        db.session.commit()
    walk(client_as(Role.ADMINISTRATOR), "/admin/hours",
         lambda page: page.count('name="attendance"'), size, size + 1)


# --- a round and its run ------------------------------------------------------------------


@pytest.fixture
def crowded_round(app):
    """``make(youths)``: an open round where everyone wants one of ``youths // 20`` jobs
    of one place each, and as many activities nobody chose have free places: most youths
    get no place, and the free places are spread over many offers."""
    def make(youths: int) -> int:
        with app.app_context():
            round_ = factories.round_(policy={"max_places_per_youth": 1, "max_jobs_per_youth": 1,
                                              "priority_tiers": [], "priority_ranks": True})
            org = factories.organisation("Stora kommunen")
            jobs = [factories.offer(org=org, round=round_, kind=OfferKind.JOB, capacity=1,
                                    min_age=13, max_age=19, title=f"Jobb {n:03d}")
                    for n in range(max(1, youths // 20))]
            for n in range(max(1, youths // 20)):
                factories.offer(org=org, round=round_, kind=OfferKind.ACTIVITY, capacity=2,
                                min_age=13, max_age=19, title=f"Aktivitet {n:03d}")
            for number in range(youths):
                youth = factories.youth_profile(born=date(2010, 1, 1) + timedelta(days=number % 700),
                                                first_name=f"Unga{number:04d}")
                db.session.add(Application(round=round_, youth=youth, rank=1,
                                           offer=jobs[number % len(jobs)]))
            db.session.commit()
            return round_.id
    return make


def run_page(admin, round_id: int) -> str:
    admin.post(f"/admin/rounds/{round_id}/close")
    return admin.post(f"/admin/rounds/{round_id}/runs").headers["Location"]


def unplaced_rows(page: str) -> int:
    section = page.split('id="unplaced-heading"', 1)[1].split("</ul>", 1)[0]
    return section.count("<li><a href=")


def test_the_run_review_pages_the_youths_without_a_place(app, client_as, crowded_round,
                                                         monkeypatch):
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    size = round_services.UNPLACED_PAGE_SIZE
    round_id = crowded_round(size + 20)  # 6 placed, 114 not
    admin = client_as(Role.ADMINISTRATOR)
    url = run_page(admin, round_id)
    first = admin.get(url).get_data(as_text=True)
    assert unplaced_rows(first) == size
    link = re.search(r'<a href="([^"]+)" rel="next">', first.split('id="unplaced-heading"')[1])
    assert "unplaced=2" in link.group(1) and link.group(1).endswith("#unplaced-heading")
    second = admin.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert unplaced_rows(second) == 114 - size
    for garbage in GARBAGE:
        response = admin.get(f"{url}?unplaced={garbage}")
        assert response.status_code == 200 and unplaced_rows(response.get_data(as_text=True)) == size
    assert unplaced_rows(admin.get(f"{url}?unplaced=999").get_data(as_text=True)) == 114 - size


def test_the_run_review_and_a_group_do_not_grow_with_the_youths(app, client_as, crowded_round,
                                                                big_group, monkeypatch):
    """The same pages with 60 and with 600 youths: every long list stops at a page, so
    the larger is at most a few pages' rows larger (before, 600 youths added some 60 kB
    of "not placed" links alone)."""
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    admin, caseworker = client_as(Role.ADMINISTRATOR), client_as(Role.CASEWORKER)
    sizes = {}
    for youths in (60, 600):
        with app.app_context():
            clean_the_round()
        round_id = crowded_round(youths)
        run_html = admin.get(run_page(admin, round_id)).get_data(as_text=True)
        show_html = admin.get(f"/admin/rounds/{round_id}").get_data(as_text=True)
        group_html = caseworker.get(f"/caseworker/groups/{big_group(youths)}").get_data(
            as_text=True)
        sizes[youths] = (len(run_html), len(show_html), len(group_html))
    small, big = sizes[60], sizes[600]
    assert big[0] - small[0] < 12_000, sizes  # at most a page more of each list
    assert big[1] - small[1] < 2_000, sizes   # the offer suggestions stop at 20
    assert big[2] - small[2] < 1_000, sizes   # both fill one page of members


def clean_the_round() -> None:
    """Between the two sizes: no round, group or youth but the logged-in users."""
    from youth_app.models import AllocationRun, Offer, Round, RoundPseudonym, YouthProfile

    for model in (PriorityMembership, PriorityGroup, Application, Placement, Override,
                  AllocationRun, RoundPseudonym, Offer, Round):
        db.session.execute(sa.delete(model))
    db.session.execute(sa.delete(YouthProfile).where(YouthProfile.user_id.is_(None)))
    db.session.commit()


def test_a_rounds_decisions_are_paged_and_its_offer_suggestions_bounded(app, client_as):
    size, suggestions = round_services.OVERRIDES_PAGE_SIZE, round_services.OFFER_SUGGESTIONS
    with app.app_context():
        round_ = factories.round_()
        org = factories.organisation("Stora kommunen")
        offers = [factories.offer(org=org, round=round_, title=f"Jobb {n:03d}")
                  for n in range(suggestions + 5)]
        youth = factories.youth_profile()
        db.session.flush()
        author = db.session.scalar(sa.select(User).where(User.role == Role.ADMINISTRATOR))
        db.session.add_all([Override(round_id=round_.id, youth_id=youth.id, offer_id=offers[0].id,
                                     kind=OverrideKind.FORBID, reason=f"Skäl {n:03d}",
                                     author_id=author.id) for n in range(size + 2)])
        db.session.commit()
        round_id = round_.id
    admin = client_as(Role.ADMINISTRATOR)
    page = admin.get(f"/admin/rounds/{round_id}").get_data(as_text=True)
    assert page.count("<option value=\"Jobb ") == suggestions
    decisions = lambda html: len(re.findall(r"\(Skäl \d{3}\)", html))  # noqa: E731
    assert decisions(page) == size and "decisions=2" in next_link(page)
    assert decisions(admin.get(next_link(page)).get_data(as_text=True)) == 2
    assert decisions(admin.get(f"/admin/rounds/{round_id}?decisions=x").get_data(as_text=True)) == size
    found = admin.get(f"/admin/rounds/{round_id}/offers.json?q=jobb 02").get_json()
    assert [o["title"] for o in found["offers"]] == [f"Jobb {n:03d}" for n in range(20, 25)]
    everything = admin.get(f"/admin/rounds/{round_id}/offers.json?q=jobb").get_json()
    assert len(everything["offers"]) == suggestions


# --- youths and providers -----------------------------------------------------------------


def test_my_pages_messages_are_paged(app, client_as, users):
    size = youth_services.MESSAGES_PAGE_SIZE
    with app.app_context():
        db.session.add_all([OutgoingMessage(user_id=users[Role.YOUTH].id, recipient="y@test.example",
                                            kind="auth.confirm_email", subject=f"Ämne {n:02d}",
                                            body=f"Brödtext {n:02d}") for n in range(size + 3)])
        db.session.commit()
    youth = client_as(Role.YOUTH)
    bodies = lambda html: len(re.findall(r"Brödtext \d\d", html))  # noqa: E731
    first = youth.get("/youth/").get_data(as_text=True)
    assert bodies(first) == size and "Brödtext 12" in first and "messages=2" in next_link(first)
    assert bodies(youth.get(next_link(first)).get_data(as_text=True)) == 3
    assert bodies(youth.get("/youth/?messages=nonsense").get_data(as_text=True)) == size


def test_an_offers_participants_are_paged(app, client_as, users):
    size = provider_services.PARTICIPANTS_PAGE_SIZE
    with app.app_context():
        provider = db.session.get(User, users[Role.PROVIDER].id)
        round_ = factories.round_(state=RoundState.PUBLISHED)
        activity = factories.offer(org=provider.organisation, round=round_,
                                   kind=OfferKind.ACTIVITY, capacity=size + 10)
        for number in range(size + 4):
            youth = factories.youth_profile(born=date(2010, 1, 1) + timedelta(days=number),
                                            first_name=f"Deltagare{number:03d}")
            db.session.add(Placement(round=round_, youth=youth, offer=activity,
                                     state=PlacementState.ACCEPTED))
        db.session.commit()
        offer_id = activity.id
    walk(client_as(Role.PROVIDER), f"/provider/offers/{offer_id}",
         lambda page: len(re.findall(r"<td>Deltagare\d{3} Test</td>", page)), size, size + 4)


def test_the_consents_page_lists_only_places_still_waiting_for_an_answer(app, client_as):
    """Last summer's accepted places had their consent: listed first (by their old reply
    date) they pushed this summer's off the first page."""
    with app.app_context():
        old, new = (factories.round_(state=RoundState.PUBLISHED) for _ in range(2))
        for round_, state, name, days in ((old, PlacementState.ACCEPTED, "Förra", -300),
                                          (old, PlacementState.DECLINED, "Nej", -300),
                                          (new, PlacementState.OFFERED, "Väntar", 5)):
            job = factories.offer(round=round_, kind=OfferKind.JOB, capacity=5)
            youth = factories.youth_profile(born=date(2012, 1, 1), first_name=name)
            db.session.add(Placement(round=round_, youth=youth, offer=job, state=state,
                                     reply_by=utcnow() + timedelta(days=days)))
        db.session.commit()
    page = client_as(Role.ADMINISTRATOR).get("/admin/consents").get_data(as_text=True)
    assert "Väntar" in page and "Förra" not in page and "Nej" not in page


def test_the_consents_page_finds_a_young_person_by_name_and_keeps_the_search(app, client_as):
    with app.app_context():
        round_ = factories.round_(state=RoundState.PUBLISHED)
        job = factories.offer(round=round_, kind=OfferKind.JOB, capacity=50)
        for number in range(admin_services.CONSENTS_PAGE_SIZE + 3):
            youth = factories.youth_profile(born=date(2012, 1, 1),
                                            first_name="Saga" if number == 0 else f"Elev{number}")
            db.session.add(Placement(round=round_, youth=youth, offer=job,
                                     state=PlacementState.OFFERED,
                                     reply_by=utcnow() + timedelta(hours=-number)))
        db.session.commit()
    admin = client_as(Role.ADMINISTRATOR)
    assert "Saga" not in admin.get("/admin/consents").get_data(as_text=True), "the last page"
    found = admin.get("/admin/consents?name=saga").get_data(as_text=True)
    assert found.count('<section class="card"') == 1 and "Saga" in found
    action = re.search(r'action="(/admin/consents/\d+\?name=saga)"', found).group(1)
    response = admin.post(action, data={"guardian_name": "Gun Förälder"})
    assert response.headers["Location"].endswith("/admin/consents?name=saga")
    none = admin.get("/admin/consents?name=zzz").get_data(as_text=True)
    assert "Ingen plats som väntar på samtycke matchar namnet." in none
