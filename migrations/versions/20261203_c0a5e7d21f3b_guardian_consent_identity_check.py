"""Guardian consent: what is consented to (hours, pay), declining, and a one-time code that checks who the guardian is.

Revision ID: c0a5e7d21f3b
Revises: 9b1e2c7d4a10
Create Date: 2026-12-03 08:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c0a5e7d21f3b'
down_revision = '9b1e2c7d4a10'
branch_labels = None
depends_on = None

OLD = ('email_link', 'paper')
NEW = ('email_link', 'email_code', 'paper')


def _method(values):
    return sa.Enum(*values, name='consentmethod', native_enum=False, create_constraint=True,
                   length=10)


def upgrade():
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hours_per_day', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('hourly_pay', sa.Integer(), nullable=True))
    with op.batch_alter_table('guardian_consent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declined_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('identity_method', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('identity_checked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('code_hash', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('code_sent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('code_expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('code_tries', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.alter_column('method', existing_type=_method(OLD), type_=_method(NEW),
                              existing_nullable=True)


def downgrade():
    op.execute("UPDATE guardian_consent SET method = 'email_link' WHERE method = 'email_code'")
    with op.batch_alter_table('guardian_consent', schema=None) as batch_op:
        batch_op.alter_column('method', existing_type=_method(NEW), type_=_method(OLD),
                              existing_nullable=True)
        for column in ('code_tries', 'code_expires_at', 'code_sent_at', 'code_hash',
                       'identity_checked_at', 'identity_method', 'declined_at'):
            batch_op.drop_column(column)
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_column('hourly_pay')
        batch_op.drop_column('hours_per_day')
