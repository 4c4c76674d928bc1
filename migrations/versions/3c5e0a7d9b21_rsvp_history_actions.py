"""rsvp history: allow the actions approved, declined, moved, reminded

The model's RsvpAction gained four values after the first migration; the CHECK constraint on
rsvp_changes.action still listed the old ten, so recording any of them failed.

Revision ID: 3c5e0a7d9b21
Revises: 5d35362e6ad0
Create Date: 2026-11-24 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '3c5e0a7d9b21'
down_revision = '5d35362e6ad0'
branch_labels = None
depends_on = None

OLD = ('created', 'edited', 'cancelled', 'waitlisted', 'offered', 'claimed', 'promoted', 'expired', 'left_waitlist', 'emailed')
NEW = OLD + ('approved', 'declined', 'moved', 'reminded')
NAME = 'ck_rsvp_changes_rsvp_action'


def _check(values):
    return 'action IN (' + ', '.join(f"'{v}'" for v in values) + ')'


def upgrade():
    with op.batch_alter_table('rsvp_changes', schema=None, recreate='always') as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_='check')
        batch_op.create_check_constraint(op.f(NAME), _check(NEW))


def downgrade():
    op.execute(sa.text('DELETE FROM rsvp_changes WHERE action IN (' + ', '.join(f"'{v}'" for v in NEW[len(OLD):]) + ')'))
    with op.batch_alter_table('rsvp_changes', schema=None, recreate='always') as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_='check')
        batch_op.create_check_constraint(op.f(NAME), _check(OLD))
