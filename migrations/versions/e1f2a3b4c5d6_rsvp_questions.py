"""custom questions on the RSVP form, and the guests' answers (issue 15)

Revision ID: e1f2a3b4c5d6
Revises: d0e1f2a3b4c5
Create Date: 2026-12-04 03:00:00

"""
from alembic import op
import sqlalchemy as sa

from eventsite.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'e1f2a3b4c5d6'
down_revision = 'd0e1f2a3b4c5'
branch_labels = None
depends_on = None

FEEDBACK_KINDS = ('rating', 'nps', 'single', 'multiple', 'short_text', 'long_text')
ALL_KINDS = FEEDBACK_KINDS + ('yes_no', 'number', 'date', 'consent')


def _kinds(kinds):
    return "kind IN (%s)" % ", ".join(f"'{k}'" for k in kinds)


def upgrade():
    # The kinds are one list shared with feedback questions: the feedback table's check widens too.
    with op.batch_alter_table('feedback_questions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_feedback_questions_question_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_feedback_questions_question_kind'), _kinds(ALL_KINDS))
    op.create_table(
        'rsvp_questions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.Enum(*ALL_KINDS, name='rsvp_question_kind', native_enum=False, create_constraint=True, length=10), nullable=False),
        sa.Column('prompt', sa.String(length=300), nullable=False),
        sa.Column('help_text', sa.String(length=300), nullable=False),
        sa.Column('required', sa.Boolean(), nullable=False),
        sa.Column('choices', sa.JSON(), nullable=False),
        sa.Column('category_ids', sa.JSON(), nullable=False),
        sa.Column('consent_text', sa.String(length=1000), nullable=False),
        sa.Column('consent_url', sa.String(length=500), nullable=False),
        sa.Column('consent_version', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('removed_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_rsvp_questions_event_id_events'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rsvp_questions')),
        sa.UniqueConstraint('event_id', 'key', name='uq_rsvp_questions_event_key'),
    )
    op.create_index(op.f('ix_rsvp_questions_event_id'), 'rsvp_questions', ['event_id'], unique=False)
    op.create_table(
        'rsvp_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rsvp_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('answer', sa.JSON(), nullable=False),
        sa.Column('answered_at', UTCDateTime(), nullable=False),
        sa.Column('consent_version', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['question_id'], ['rsvp_questions.id'], name=op.f('fk_rsvp_answers_question_id_rsvp_questions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['rsvp_id'], ['rsvps.id'], name=op.f('fk_rsvp_answers_rsvp_id_rsvps'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rsvp_answers')),
        sa.UniqueConstraint('rsvp_id', 'question_id', name='uq_rsvp_answers_rsvp_question'),
    )
    op.create_index(op.f('ix_rsvp_answers_question_id'), 'rsvp_answers', ['question_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_rsvp_answers_question_id'), table_name='rsvp_answers')
    op.drop_table('rsvp_answers')
    op.drop_index(op.f('ix_rsvp_questions_event_id'), table_name='rsvp_questions')
    op.drop_table('rsvp_questions')
    op.execute(sa.text("DELETE FROM feedback_questions WHERE " + _kinds(ALL_KINDS[len(FEEDBACK_KINDS):])))
    with op.batch_alter_table('feedback_questions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_feedback_questions_question_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_feedback_questions_question_kind'), _kinds(FEEDBACK_KINDS))
