"""an invitation may carry the person's institution and training level (from an imported list)

Revision ID: d0e1f2a3b4c5
Revises: c9d0e1f2a3b4
Create Date: 2026-12-04 00:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd0e1f2a3b4c5'
down_revision = 'c9d0e1f2a3b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('guest_invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('institution', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('training_level', sa.String(length=20), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('guest_invitations', schema=None) as batch_op:
        batch_op.drop_column('training_level')
        batch_op.drop_column('institution')
