"""PostgreSQL takes at most 65,535 bind parameters in one statement: nothing a city's
clock or publishing does binds one per row (a city's offers all expire on one day)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.models import Placement, PlacementState
from youth_app.placements import services as placements

from .. import factories

#: More rows than PostgreSQL's bind parameter limit.
ROWS = 66_000


def test_claiming_more_placements_than_the_bind_limit(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the 65,535 parameter limit is PostgreSQL's")
        round_ = factories.round_()
        offer = factories.offer(round=round_, capacity=ROWS)
        db.session.flush()
        db.session.execute(sa.text(
            "INSERT INTO youth_profile (first_name, last_name, date_of_birth, personal_number,"
            " phone, private_email, school, languages, resident, shared_notes, created_at)"
            " SELECT 'A', 'B', DATE '2010-01-01', lpad(g::text, 12, '0'), '', '', '', '[]',"
            " true, '', now() FROM generate_series(1, :n) g"), {"n": ROWS})
        db.session.execute(sa.text(
            "INSERT INTO placement (round_id, youth_id, offer_id, state, created_at)"
            " SELECT :round, id, :offer, 'offered', now() FROM youth_profile"),
            {"round": round_.id, "offer": offer.id})
        claimed = placements._claim(sa.update(Placement).where(
            Placement.state == PlacementState.OFFERED).values(state=PlacementState.EXPIRED))
        assert len(claimed) == ROWS
        assert {p.state for p in claimed} == {PlacementState.EXPIRED}
        db.session.rollback()
