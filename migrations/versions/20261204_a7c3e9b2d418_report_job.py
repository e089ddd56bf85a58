"""Background jobs that compute something keep their result (the season report's counts); imports into a priority group are jobs without a round.

Revision ID: a7c3e9b2d418
Revises: 5e8a2c4f1d67
Create Date: 2026-12-04 18:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'a7c3e9b2d418'
down_revision = '5e8a2c4f1d67'
branch_labels = None
depends_on = None

OLD = ('publish', 'close')
NEW = ('publish', 'close', 'report', 'import')


def _kind(values):
    return sa.Enum(*values, name='jobkind', native_enum=False, create_constraint=True,
                   length=7)


def _set_kinds(values):
    """The kind's CHECK constraint lists the kinds: SQLite's batch mode rebuilds the table
    with the new one; PostgreSQL changes the constraint itself."""
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('ck_background_job_jobkind'), 'background_job', type_='check')
        listed = ', '.join(f"'{value}'" for value in values)
        op.create_check_constraint('jobkind', 'background_job', sa.text(f'kind IN ({listed})'))
        return
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=_kind(OLD if values == NEW else NEW),
                              type_=_kind(values), existing_nullable=False)


def upgrade():
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result', sa.JSON(), nullable=True))
        batch_op.alter_column('round_id', existing_type=sa.Integer(), nullable=True)
    _set_kinds(NEW)


def downgrade():
    op.execute("DELETE FROM background_job WHERE kind IN ('report', 'import')")
    _set_kinds(OLD)
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.alter_column('round_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('result')
