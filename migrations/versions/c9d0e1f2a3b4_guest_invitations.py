"""guest invitations: a personal RSVP link per invited person

Revision ID: c9d0e1f2a3b4
Revises: b8c9d0e1f2a3
Create Date: 2026-12-04 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c9d0e1f2a3b4'
down_revision = 'b8c9d0e1f2a3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guest_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('skip_approval', sa.Boolean(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('invited', 'rsvped', 'declined', name='invitation_status', native_enum=False, create_constraint=True, length=8), nullable=False),
    sa.Column('rsvp_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['guest_categories.id'], name=op.f('fk_guest_invitations_category_id_guest_categories'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_guest_invitations_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rsvp_id'], ['rsvps.id'], name=op.f('fk_guest_invitations_rsvp_id_rsvps'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guest_invitations')),
    sa.UniqueConstraint('event_id', 'email_key', name=op.f('uq_guest_invitations_event_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_guest_invitations_token_hash'))
    )
    with op.batch_alter_table('guest_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guest_invitations_event_id'), ['event_id'], unique=False)


def downgrade():
    with op.batch_alter_table('guest_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guest_invitations_event_id'))
    op.drop_table('guest_invitations')
