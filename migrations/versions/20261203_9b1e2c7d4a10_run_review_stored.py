"""A run's review (its figures and the lottery baseline's) is counted once and stored.

Revision ID: 9b1e2c7d4a10
Revises: 474c4ae3277d
Create Date: 2026-12-02 19:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '9b1e2c7d4a10'
down_revision = '474c4ae3277d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('allocation_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('allocation_run', schema=None) as batch_op:
        batch_op.drop_column('review')
