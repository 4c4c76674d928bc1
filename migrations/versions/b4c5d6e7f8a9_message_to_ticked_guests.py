"""a message may go to the guests ticked on the guest list (issue 15)

Revision ID: b4c5d6e7f8a9
Revises: a3b4c5d6e7f8
Create Date: 2026-12-04 04:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4c5d6e7f8a9'
down_revision = 'a3b4c5d6e7f8'
branch_labels = None
depends_on = None

BEFORE = ('confirmed', 'waitlisted', 'pending', 'checked_in', 'not_checked_in')


def _segments(values):
    return "segment IN (%s)" % ", ".join(f"'{v}'" for v in values)


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_messages_segment'), type_='check')
        batch_op.create_check_constraint(op.f('ck_messages_segment'), _segments(BEFORE + ('selected',)))
        batch_op.add_column(sa.Column('picked', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    op.execute(sa.text("DELETE FROM messages WHERE segment = 'selected'"))
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('picked')
        batch_op.drop_constraint(op.f('ck_messages_segment'), type_='check')
        batch_op.create_check_constraint(op.f('ck_messages_segment'), _segments(BEFORE))
