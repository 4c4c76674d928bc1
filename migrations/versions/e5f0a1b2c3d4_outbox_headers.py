"""outbox message headers (List-Unsubscribe on notices to the team)

Revision ID: e5f0a1b2c3d4
Revises: cbd1d1359a8c
Create Date: 2026-12-03 23:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5f0a1b2c3d4'
down_revision = 'cbd1d1359a8c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('headers', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('headers', server_default=None)


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('headers')
