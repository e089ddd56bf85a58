"""Why an offer was returned to its provider.

Revision ID: c4d5e6f7a8b9
Revises: c0a5e7d21f3b
"""
import sqlalchemy as sa
from alembic import op

revision = "c4d5e6f7a8b9"
down_revision = "c0a5e7d21f3b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("offer") as batch:
        batch.add_column(sa.Column("return_reason", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("offer") as batch:
        batch.drop_column("return_reason")
