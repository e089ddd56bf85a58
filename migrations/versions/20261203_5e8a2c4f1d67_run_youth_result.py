"""Each youth's outcome of a run is stored per youth, so their pages read one row.

Revision ID: 5e8a2c4f1d67
Revises: 7d3f1a2b9c55
Create Date: 2026-12-03 14:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "5e8a2c4f1d67"
down_revision = "e1063ca65ff5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "run_youth_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.Column("lottery_number", sa.Integer(), nullable=True),
        sa.Column("lottery_size", sa.Integer(), nullable=False),
        sa.Column("unplaced", sa.Boolean(), nullable=False),
        sa.Column("tier", sa.String(length=50), nullable=True),
        sa.Column("placements", sa.JSON(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["allocation_run.id"],
                                name=op.f("fk_run_youth_result_run_id_allocation_run"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["youth_id"], ["youth_profile.id"],
                                name=op.f("fk_run_youth_result_youth_id_youth_profile"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_youth_result")),
        sa.UniqueConstraint("run_id", "youth_id",
                            name=op.f("uq_run_youth_result_run_id_youth_id")),
        sa.UniqueConstraint("run_id", "key", name=op.f("uq_run_youth_result_run_id_key")),
    )
    op.create_index(op.f("ix_run_youth_result_youth_id"), "run_youth_result", ["youth_id"])


def downgrade():
    op.drop_index(op.f("ix_run_youth_result_youth_id"), table_name="run_youth_result")
    op.drop_table("run_youth_result")
