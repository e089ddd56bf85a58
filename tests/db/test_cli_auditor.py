"""``flask staff auditor``: the only way to give the auditor permission, audited."""
from __future__ import annotations

import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.models import AuditEvent, Role, User


def test_grant_and_revoke_the_auditor_permission(app, runner, users):
    email = users[Role.ADMINISTRATOR].email
    assert runner.invoke(args=["staff", "auditor", email]).exit_code == 0
    with app.app_context():
        assert db.session.get(User, users[Role.ADMINISTRATOR].id).auditor
    assert runner.invoke(args=["staff", "auditor", email, "--revoke"]).exit_code == 0
    with app.app_context():
        assert not db.session.get(User, users[Role.ADMINISTRATOR].id).auditor
        actions = db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.action.like("staff.%"))).all()
    assert actions == ["staff.auditor_granted", "staff.auditor_revoked"]


def test_only_an_administrator_can_be_an_auditor(app, runner, users):
    result = runner.invoke(args=["staff", "auditor", users[Role.CASEWORKER].email])
    assert result.exit_code != 0 and "no administrator" in result.output
