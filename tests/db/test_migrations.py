"""``flask db upgrade`` from an empty database gives exactly the models' schema."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from youth_app.extensions import db
from youth_app.models.base import compared

from ..conftest import _drop_everything


@pytest.fixture
def empty_database(app):
    with app.app_context():
        _drop_everything()
        yield
        _drop_everything()
        db.create_all()


def _differences():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "include_object": compared})
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_matches_the_models(empty_database):
    upgrade()
    assert _differences() == []


def test_downgrade_to_empty_and_up_again(empty_database):
    upgrade()
    downgrade(revision="base")
    tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade()
    assert _differences() == []
