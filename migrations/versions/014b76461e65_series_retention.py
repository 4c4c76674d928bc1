"""a series may keep guests' data for its own period (issue 17)

Revision ID: 014b76461e65
Revises: 4c7f8a046464
Create Date: 2026-12-04 08:33:38.744757

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '014b76461e65'
down_revision = '4c7f8a046464'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_days', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_series_retention_positive'), 'retention_days IS NULL OR retention_days >= 1'
        )


def downgrade():
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_series_retention_positive'), type_='check')
        batch_op.drop_column('retention_days')

