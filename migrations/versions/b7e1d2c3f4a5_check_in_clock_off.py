"""check-in clock off: flag scans whose device time lay outside the door's window

Revision ID: b7e1d2c3f4a5
Revises: a4d7e2c9b310
Create Date: 2026-12-02 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e1d2c3f4a5'
down_revision = 'a4d7e2c9b310'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        # Scans recorded so far keep their device time as it was: a temporary default, dropped below.
        batch_op.add_column(sa.Column('clock_off', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.alter_column('clock_off', server_default=None)


def downgrade():
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_column('clock_off')
