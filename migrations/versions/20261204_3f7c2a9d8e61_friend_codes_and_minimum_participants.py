"""Friend codes per round (friend_member) and offers' minimum number of participants.

Revision ID: 3f7c2a9d8e61
Revises: a7c3e9b2d418
Create Date: 2026-12-04 18:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "3f7c2a9d8e61"
down_revision = "a7c3e9b2d418"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "friend_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"],
                                name=op.f("fk_friend_member_round_id_round"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["youth_id"], ["youth_profile.id"],
                                name=op.f("fk_friend_member_youth_id_youth_profile"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_friend_member")),
        sa.UniqueConstraint("round_id", "youth_id", name=op.f("uq_friend_member_round_id_youth_id")),
    )
    op.create_index(op.f("ix_friend_member_youth_id"), "friend_member", ["youth_id"])
    op.create_index("ix_friend_member_round_id_code", "friend_member", ["round_id", "code"])
    with op.batch_alter_table("offer") as batch:
        batch.add_column(sa.Column("min_participants", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("offer") as batch:
        batch.drop_column("min_participants")
    op.drop_index("ix_friend_member_round_id_code", table_name="friend_member")
    op.drop_index(op.f("ix_friend_member_youth_id"), table_name="friend_member")
    op.drop_table("friend_member")
