"""Lists of youths page by name and searches by part of a name use indexes.

Revision ID: 7d3f1a2b9c55
Revises: c4d5e6f7a8b9
Create Date: 2026-12-03 14:00:00
"""
from alembic import op

revision = "7d3f1a2b9c55"
down_revision = "c4d5e6f7a8b9"
branch_labels = None
depends_on = None

NAME_TEXT = "(first_name || ' ' || last_name)"


def upgrade():
    op.create_index("ix_youth_profile_last_name", "youth_profile",
                    ["last_name", "first_name", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        # The text of youth_app.models.youth.NAME_TEXT_INDEX (a migration does not
        # import the models: they change after it).
        op.execute(f"CREATE INDEX ix_youth_profile_name_text ON youth_profile "
                   f"USING gin ({NAME_TEXT} gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_youth_profile_name_text", table_name="youth_profile")
    op.drop_index("ix_youth_profile_last_name", table_name="youth_profile")
