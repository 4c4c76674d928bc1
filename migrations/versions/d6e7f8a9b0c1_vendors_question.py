"""the feedback form's "which vendors' technology did you try?" question kind (issue 16)

Revision ID: d6e7f8a9b0c1
Revises: c5d6e7f8a9b0
Create Date: 2026-12-04 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd6e7f8a9b0c1'
down_revision = 'c5d6e7f8a9b0'
branch_labels = None
depends_on = None

BEFORE = ('rating', 'nps', 'single', 'multiple', 'short_text', 'long_text', 'yes_no', 'number', 'date', 'consent')
AFTER = BEFORE + ('vendors',)
CHECKS = (('feedback_questions', 'ck_feedback_questions_question_kind'),
          ('rsvp_questions', 'ck_rsvp_questions_rsvp_question_kind'))


def _kinds(kinds):
    return "kind IN (%s)" % ", ".join(f"'{k}'" for k in kinds)


def _check(kinds):
    for table, name in CHECKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(name), type_='check')
            batch_op.create_check_constraint(op.f(name), _kinds(kinds))


def upgrade():
    _check(AFTER)


def downgrade():
    op.execute(sa.text("DELETE FROM feedback_questions WHERE kind = 'vendors'"))
    _check(BEFORE)
