"""Background jobs (publishing, closing) with progress, and each e-mail's job.

Revision ID: e1063ca65ff5
Revises: 7d3f1a2b9c55
Create Date: 2026-12-03 13:29:51.087900
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1063ca65ff5'
down_revision = "7d3f1a2b9c55"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('background_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('publish', 'close', name='jobkind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('queued', 'running', 'succeeded', 'failed', name='jobstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=100), nullable=False),
    sa.Column('error', sa.String(length=100), nullable=False),
    sa.Column('cursor', sa.Integer(), nullable=True),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_background_job_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['allocation_run.id'], name=op.f('fk_background_job_run_id_allocation_run'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['started_by_id'], ['user_account.id'], name=op.f('fk_background_job_started_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_background_job'))
    )
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_background_job_round_id'), ['round_id'], unique=False)
        batch_op.create_index('uq_background_job_one_active', ['kind', 'round_id'], unique=True, sqlite_where=sa.text("status IN ('queued', 'running')"), postgresql_where=sa.text("status IN ('queued', 'running')"))

    with op.batch_alter_table('outgoing_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outgoing_message_job_id'), ['job_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outgoing_message_job_id_background_job'), 'background_job', ['job_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('outgoing_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outgoing_message_job_id_background_job'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outgoing_message_job_id'))
        batch_op.drop_column('job_id')

    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.drop_index('uq_background_job_one_active', sqlite_where=sa.text("status IN ('queued', 'running')"), postgresql_where=sa.text("status IN ('queued', 'running')"))
        batch_op.drop_index(batch_op.f('ix_background_job_round_id'))

    op.drop_table('background_job')
