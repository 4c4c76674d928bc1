"""people and privacy: anonymised RSVPs, the retention setting, a person's e-mail index

Adds rsvps.anonymised_at, the index that finds one person's RSVPs across events, the single-row
privacy_settings table (retention period), and the history action 'anonymised' (the CHECK on
rsvp_changes.action is recreated, as in 3c5e0a7d9b21).

Revision ID: 8f1184bdf52b
Revises: cd13f76033a0
Create Date: 2026-11-23 20:33:42.410571
"""
from alembic import op
import sqlalchemy as sa


revision = '8f1184bdf52b'
down_revision = 'cd13f76033a0'
branch_labels = None
depends_on = None

OLD = ('created', 'edited', 'cancelled', 'waitlisted', 'offered', 'claimed', 'promoted', 'expired', 'left_waitlist',
       'emailed', 'approved', 'declined', 'moved', 'reminded')
NEW = OLD + ('anonymised',)
NAME = 'ck_rsvp_changes_rsvp_action'


def _check(values):
    return 'action IN (' + ', '.join(f"'{v}'" for v in values) + ')'


def upgrade():
    op.create_table('privacy_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('retention_days', sa.Integer(), nullable=True),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_privacy_settings_single_row')),
    sa.CheckConstraint('retention_days IS NULL OR retention_days >= 1', name=op.f('ck_privacy_settings_retention_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_settings'))
    )
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_rsvps_email_key', ['email_key'], unique=False)
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forgotten_contacts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('forgotten_savers', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.alter_column('forgotten_contacts', server_default=None)
        batch_op.alter_column('forgotten_savers', server_default=None)
    with op.batch_alter_table('rsvp_changes', schema=None, recreate='always') as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_='check')
        batch_op.create_check_constraint(op.f(NAME), _check(NEW))


def downgrade():
    op.execute(sa.text("DELETE FROM rsvp_changes WHERE action = 'anonymised'"))
    with op.batch_alter_table('rsvp_changes', schema=None, recreate='always') as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_='check')
        batch_op.create_check_constraint(op.f(NAME), _check(OLD))
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('forgotten_savers')
        batch_op.drop_column('forgotten_contacts')
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.drop_index('ix_rsvps_email_key')
        batch_op.drop_column('anonymised_at')
    op.drop_table('privacy_settings')
