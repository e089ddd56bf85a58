"""The language e-mails to a guardian are written in.

Revision ID: 3f7b9d2e6a41
Revises: 3f7c2a9d8e61
"""
import sqlalchemy as sa
from alembic import op

revision = "3f7b9d2e6a41"
down_revision = "3f7c2a9d8e61"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("guardian") as batch:
        batch.add_column(sa.Column("language", sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table("guardian") as batch:
        batch.drop_column("language")
