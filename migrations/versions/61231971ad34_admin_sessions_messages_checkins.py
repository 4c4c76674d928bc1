"""admin: login sessions, messages, check-ins, reminders, series

Revision ID: 61231971ad34
Revises: 1b094a460fe1
Create Date: 2026-11-23 17:54:30.847976

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '61231971ad34'
down_revision = '1b094a460fe1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organizer_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organizer_id'], ['organizers.id'], name=op.f('fk_login_sessions_organizer_id_organizers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_login_sessions_token_hash'))
    )
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_sessions_organizer_id'), ['organizer_id'], unique=False)

    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('segment', sa.Enum('confirmed', 'waitlisted', 'pending', 'checked_in', 'not_checked_in', name='segment', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sent_by', sa.String(length=254), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_messages_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_event_id'), ['event_id'], unique=False)

    op.create_table('check_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('rsvp_id', sa.Integer(), nullable=True),
    sa.Column('result', sa.Enum('admitted', 'rejected', name='check_in_result', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=True),
    sa.Column('door', sa.String(length=80), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_check_ins_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rsvp_id'], ['rsvps.id'], name=op.f('fk_check_ins_rsvp_id_rsvps'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_ins')),
    sa.UniqueConstraint('nonce', name=op.f('uq_check_ins_nonce'))
    )
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.create_index('ix_check_ins_event_scanned', ['event_id', 'scanned_at'], unique=False)
        batch_op.create_index('uq_check_ins_one_admission', ['rsvp_id'], unique=True, sqlite_where=sa.text("result = 'admitted' AND undone_at IS NULL"), postgresql_where=sa.text("result = 'admitted' AND undone_at IS NULL"))

    with op.batch_alter_table('events', schema=None) as batch_op:
        # Existing rows get the model defaults through temporary server defaults, dropped below.
        batch_op.add_column(sa.Column('reminder_enabled', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('reminder_hours_before', sa.Integer(), nullable=False, server_default='24'))
        batch_op.add_column(sa.Column('copied_from_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cancel_message', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_events_copied_from_id_events'), 'events', ['copied_from_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(op.f('ck_events_reminder_not_negative'), 'reminder_hours_before >= 0')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.alter_column('reminder_enabled', server_default=None)
        batch_op.alter_column('reminder_hours_before', server_default=None)
        batch_op.alter_column('cancel_message', server_default=None)

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_messages_message_id'), ['message_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_messages_message_id_messages'), 'messages', ['message_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('source', sa.String(length=20), nullable=False, server_default='rsvp'))
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.alter_column('source', server_default=None)



def downgrade():
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.drop_column('source')
        batch_op.drop_column('reminder_sent_at')

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_messages_message_id_messages'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_message_id'))
        batch_op.drop_column('message_id')

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_events_reminder_not_negative'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_events_copied_from_id_events'), type_='foreignkey')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('cancel_message')
        batch_op.drop_column('copied_from_id')
        batch_op.drop_column('reminder_hours_before')
        batch_op.drop_column('reminder_enabled')

    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_index('uq_check_ins_one_admission', sqlite_where=sa.text("result = 'admitted' AND undone_at IS NULL"), postgresql_where=sa.text("result = 'admitted' AND undone_at IS NULL"))
        batch_op.drop_index('ix_check_ins_event_scanned')

    op.drop_table('check_ins')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_event_id'))

    op.drop_table('messages')
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_sessions_organizer_id'))

    op.drop_table('login_sessions')
