"""event calendar sequence: the iCalendar SEQUENCE of each event's calendar entry

Revision ID: a4d7e2c9b310
Revises: 7f3b2c1d9e05
Create Date: 2026-11-23 23:35:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4d7e2c9b310'
down_revision = '7f3b2c1d9e05'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        # Existing entries are at their first revision: a temporary default, dropped below.
        batch_op.add_column(sa.Column('ics_sequence', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.alter_column('ics_sequence', server_default=None)


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('ics_sequence')
