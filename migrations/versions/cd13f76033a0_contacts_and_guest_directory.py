"""contacts and guest directory: guests' networking opt-ins, saved contacts, the per-event directory switch

Revision ID: cd13f76033a0
Revises: 62f81d8227e9
Create Date: 2026-11-23 20:35:03.360630

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cd13f76033a0'
down_revision = '62f81d8227e9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guest_profiles',
    sa.Column('rsvp_id', sa.Integer(), nullable=False),
    sa.Column('in_directory', sa.Boolean(), nullable=False),
    sa.Column('ask_me_about', sa.String(length=120), nullable=False),
    sa.Column('share_contact', sa.Boolean(), nullable=False),
    sa.Column('share_email', sa.Boolean(), nullable=False),
    sa.Column('share_phone', sa.Boolean(), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('profile_url', sa.String(length=300), nullable=False),
    sa.Column('followup_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['rsvp_id'], ['rsvps.id'], name=op.f('fk_guest_profiles_rsvp_id_rsvps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('rsvp_id', name=op.f('pk_guest_profiles'))
    )
    op.create_table('saved_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('owner_id <> contact_id', name=op.f('ck_saved_contacts_not_self')),
    sa.ForeignKeyConstraint(['contact_id'], ['rsvps.id'], name=op.f('fk_saved_contacts_contact_id_rsvps'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_saved_contacts_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['rsvps.id'], name=op.f('fk_saved_contacts_owner_id_rsvps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_contacts')),
    sa.UniqueConstraint('owner_id', 'contact_id', name=op.f('uq_saved_contacts_owner_id'))
    )
    with op.batch_alter_table('saved_contacts', schema=None) as batch_op:
        batch_op.create_index('ix_saved_contacts_contact', ['contact_id'], unique=False)
        batch_op.create_index('ix_saved_contacts_event', ['event_id'], unique=False)

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('directory_enabled', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.alter_column('directory_enabled', server_default=None)



def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('directory_enabled')

    with op.batch_alter_table('saved_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_saved_contacts_event')
        batch_op.drop_index('ix_saved_contacts_contact')

    op.drop_table('saved_contacts')
    op.drop_table('guest_profiles')
