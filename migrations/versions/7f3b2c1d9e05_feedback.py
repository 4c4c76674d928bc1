"""feedback: forms, questions, invitations, responses with answers, receipts (one revision)

Revision ID: 7f3b2c1d9e05
Revises: 8f1184bdf52b
Create Date: 2026-11-23 20:33:21.325869

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7f3b2c1d9e05'
down_revision = '8f1184bdf52b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback_forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('intro', sa.String(length=500), nullable=False),
    sa.Column('is_anonymous', sa.Boolean(), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('invitations_enabled', sa.Boolean(), nullable=False),
    sa.Column('invite_delay_hours', sa.Integer(), nullable=False),
    sa.Column('audience', sa.Enum('checked_in', 'confirmed', name='feedback_audience', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('reminder_enabled', sa.Boolean(), nullable=False),
    sa.Column('reminder_after_days', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('invite_delay_hours >= 0', name=op.f('ck_feedback_forms_invite_delay_not_negative')),
    sa.CheckConstraint('reminder_after_days >= 1', name=op.f('ck_feedback_forms_reminder_after_positive')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_feedback_forms_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_forms')),
    sa.UniqueConstraint('event_id', name=op.f('uq_feedback_forms_event_id'))
    )
    op.create_table('feedback_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('rsvp_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['form_id'], ['feedback_forms.id'], name=op.f('fk_feedback_invitations_form_id_feedback_forms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rsvp_id'], ['rsvps.id'], name=op.f('fk_feedback_invitations_rsvp_id_rsvps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_invitations')),
    sa.UniqueConstraint('rsvp_id', name=op.f('uq_feedback_invitations_rsvp_id')),
    sa.UniqueConstraint('token', name=op.f('uq_feedback_invitations_token'))
    )
    with op.batch_alter_table('feedback_invitations', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_invitations_form_invited', ['form_id', 'invited_at'], unique=False)

    op.create_table('feedback_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.Enum('rating', 'nps', 'single', 'multiple', 'short_text', 'long_text', name='question_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('prompt', sa.String(length=300), nullable=False),
    sa.Column('help_text', sa.String(length=300), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['feedback_forms.id'], name=op.f('fk_feedback_questions_form_id_feedback_forms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_questions')),
    sa.UniqueConstraint('form_id', 'key', name='uq_feedback_questions_form_key')
    )
    with op.batch_alter_table('feedback_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_questions_form_id'), ['form_id'], unique=False)

    op.create_table('feedback_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('rsvp_id', sa.Integer(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_feedback_receipts_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rsvp_id'], ['rsvps.id'], name=op.f('fk_feedback_receipts_rsvp_id_rsvps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_receipts')),
    sa.UniqueConstraint('rsvp_id', name=op.f('uq_feedback_receipts_rsvp_id'))
    )
    with op.batch_alter_table('feedback_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_receipts_event_id'), ['event_id'], unique=False)

    op.create_table('feedback_responses',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('rsvp_id', sa.Integer(), nullable=True),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['feedback_forms.id'], name=op.f('fk_feedback_responses_form_id_feedback_forms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rsvp_id'], ['rsvps.id'], name=op.f('fk_feedback_responses_rsvp_id_rsvps'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_responses'))
    )
    with op.batch_alter_table('feedback_responses', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_responses_form', ['form_id'], unique=False)

    op.create_table('feedback_answers',
    sa.Column('response_id', sa.String(length=24), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('ordinal', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('value_int', sa.Integer(), nullable=True),
    sa.Column('value_text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['feedback_questions.id'], name=op.f('fk_feedback_answers_question_id_feedback_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['feedback_responses.id'], name=op.f('fk_feedback_answers_response_id_feedback_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id', 'question_id', 'ordinal', name=op.f('pk_feedback_answers'))
    )
    with op.batch_alter_table('feedback_answers', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_answers_question', ['question_id'], unique=False)



def downgrade():
    with op.batch_alter_table('feedback_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_answers_question')

    op.drop_table('feedback_answers')
    with op.batch_alter_table('feedback_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_responses_form')

    op.drop_table('feedback_responses')
    with op.batch_alter_table('feedback_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_receipts_event_id'))

    op.drop_table('feedback_receipts')
    with op.batch_alter_table('feedback_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_questions_form_id'))

    op.drop_table('feedback_questions')
    with op.batch_alter_table('feedback_invitations', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_invitations_form_invited')

    op.drop_table('feedback_invitations')
    op.drop_table('feedback_forms')
