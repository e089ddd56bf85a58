"""The round's rule (coverage first or stable) is the administrator's choice, and every
run's page shows both rules side by side on the same problem and lottery, with what
coverage first costs in justified envy (issue 13)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

import matching
from youth_app.allocation import figures
from youth_app.extensions import db
from youth_app.models import (AllocationRun, Application, OfferKind, PriorityGroup,
                              PriorityMembership, Role, Round, RoundState)

from .. import factories

pytestmark = pytest.mark.staff


@pytest.fixture
def a_price(app):
    """Two activities with one place each. Ada (social services' group) wants the sailing
    first and the choir second; Bo wants only the sailing. Coverage first gives Ada the
    choir and Bo the sailing (two placed); stable gives Ada the sailing, her better
    claim, and Bo nothing. Under coverage first Ada has justified envy."""
    with app.app_context():
        round_ = factories.round_(state=RoundState.CLOSED, policy={
            "max_places_per_youth": 1, "max_jobs_per_youth": 1,
            "priority_tiers": ["targeted"], "priority_ranks": True})
        sailing, choir = (factories.offer(round=round_, kind=OfferKind.ACTIVITY, title=title,
                                          capacity=1, min_age=13, max_age=19,
                                          weeks=["2027-W27"])
                          for title in ("Segling", "Kör"))
        ada, bo = (factories.user(Role.YOUTH).youth_profile for _ in range(2))
        db.session.add_all([Application(round=round_, youth=ada, offer=sailing, rank=1),
                            Application(round=round_, youth=ada, offer=choir, rank=2),
                            Application(round=round_, youth=bo, offer=sailing, rank=1)])
        group = PriorityGroup(code="targeted", name="Målgrupp")
        db.session.add(PriorityMembership(group=group, youth=ada))
        db.session.commit()
        return round_.id


def _run_page(app, admin, round_id: int) -> tuple[AllocationRun, str]:
    response = admin.post(f"/admin/rounds/{round_id}/runs")
    page = admin.get(response.headers["Location"], headers={"Accept-Language": "en"})
    with app.app_context():
        run = db.session.scalar(sa.select(AllocationRun).order_by(AllocationRun.id.desc()))
        db.session.expunge(run)
    return run, page.get_data(as_text=True)


def test_the_run_page_shows_both_rules_and_the_price(app, client_as, a_price, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    admin = client_as(Role.ADMINISTRATOR)
    admin.post("/language", data={"language": "en", "next": "/"})
    run, page = _run_page(app, admin, a_price)
    assert run.method == "optimal"
    assert "This run used: Coverage first." in page
    assert "Coverage first places 1 more young person." in page
    assert "Under coverage first, 1 young person has justified envy" in page
    table = page[page.index('id="rules-table-caption"'):]
    table = table[:table.index("</table>")]
    assert "<th scope=\"row\">Placed</th><td>2</td><td>1</td>" in table.replace("\n", "")
    assert "<th scope=\"row\">Young people with justified envy</th><td>1</td><td>0</td>" \
        in table.replace("\n", "")
    assert 'id="rules-title"' in page, "the chart beside its table"
    # The figures are the optimiser's own, on the run's stored problem.
    with app.app_context():
        problem = matching.load_problem(db.session.get(AllocationRun, run.id).solved_problem)
    stable = matching.solve(problem, solver="highs", method="stable")
    assert len(stable.assignments) == 1
    assert matching.justified_envy(problem, stable).youths == 0


def test_the_round_names_its_rule_and_a_run_follows_it(app, client_as, a_price, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)
    admin = client_as(Role.ADMINISTRATOR)
    admin.post("/language", data={"language": "en", "next": "/"})
    with app.app_context():
        round_ = db.session.get(Round, a_price)
        round_.policy = {**round_.policy, "method": "stable"}
        db.session.commit()
    shown = admin.get(f"/admin/rounds/{a_price}").get_data(as_text=True)
    assert "<dt>How places are shared out</dt><dd>Stable</dd>" in shown
    assert "<dd>Målgrupp</dd>" in shown, "the priority group by its name, not its code"
    run, page = _run_page(app, admin, a_price)
    assert run.method == "stable"
    assert "This run used: Stable." in page
    assert "Coverage first places 1 more young person." in page, "the other rule is solved too"
    with app.app_context():
        stored = db.session.get(AllocationRun, run.id).solved_problem
    assert "method" not in stored["policy"], "the rule is not part of the problem"


def test_the_rule_is_chosen_on_the_round_form(app, client_as):
    admin = client_as(Role.ADMINISTRATOR)
    form = admin.get("/admin/rounds/new").get_data(as_text=True)
    assert 'name="method"' in form and 'value="stable"' in form
    from .test_rounds import _round_form

    with app.app_context():
        db.session.add(PriorityGroup(code="targeted", name="Målgrupp"))
        db.session.commit()
    admin.post("/admin/rounds/new", data=_round_form(method="stable"))
    with app.app_context():
        saved = db.session.scalar(sa.select(Round).order_by(Round.id.desc()))
        assert saved.method == "stable"
    refused = admin.post("/admin/rounds/new", data=_round_form(method="fastest"))
    assert refused.status_code == 200 and 'aria-invalid="true"' in refused.get_data(as_text=True)


def test_a_review_without_both_rules_shows_none():
    assert figures.rules(AllocationRun(review={"figures": {}, "baseline": {}}),
                         figures.Viewer.ADMINISTRATOR) is None
