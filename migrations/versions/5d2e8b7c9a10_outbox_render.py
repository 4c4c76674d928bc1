"""guest e-mails are rendered by the deliverer, after the commit (issue 18)

Revision ID: 5d2e8b7c9a10
Revises: 014b76461e65
Create Date: 2026-12-04 11:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2e8b7c9a10'
down_revision = '014b76461e65'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('render', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('render')
