"""invitation tracking: opened (opt-in per event), bounced, one reminder with its own link

Revision ID: a3b4c5d6e7f8
Revises: f2a3b4c5d6e7
Create Date: 2026-12-04 03:30:00

"""
from alembic import op
import sqlalchemy as sa

from eventsite.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'a3b4c5d6e7f8'
down_revision = 'f2a3b4c5d6e7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invite_track_opens', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('invite_reminder_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('invite_reminder_sent_at', UTCDateTime(), nullable=True))
    with op.batch_alter_table('guest_invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('bounced_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reminder_token_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_guest_invitations_reminder_token_hash'), ['reminder_token_hash'])
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_messages_invitation_id'), ['invitation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_messages_invitation_id_guest_invitations'), 'guest_invitations', ['invitation_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_messages_invitation_id_guest_invitations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_invitation_id'))
        batch_op.drop_column('invitation_id')
    with op.batch_alter_table('guest_invitations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_guest_invitations_reminder_token_hash'), type_='unique')
        batch_op.drop_column('reminder_token_hash')
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('bounced_at')
        batch_op.drop_column('opened_at')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('invite_reminder_sent_at')
        batch_op.drop_column('invite_reminder_at')
        batch_op.drop_column('invite_track_opens')
