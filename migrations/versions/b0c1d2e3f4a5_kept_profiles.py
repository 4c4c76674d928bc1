"""details a guest asked us to remember (issue 17)

Revision ID: b0c1d2e3f4a5
Revises: a9b0c1d2e3f4
Create Date: 2026-12-04 06:34:25.094452

"""
from alembic import op
import sqlalchemy as sa

from eventsite.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'b0c1d2e3f4a5'
down_revision = 'a9b0c1d2e3f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kept_profiles',
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('badge_name', sa.String(length=100), nullable=False),
    sa.Column('pronouns', sa.String(length=40), nullable=False),
    sa.Column('institution', sa.String(length=200), nullable=False),
    sa.Column('training_level', sa.String(length=20), nullable=False),
    sa.Column('networking', sa.JSON(), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('email_key', name=op.f('pk_kept_profiles'))
    )


def downgrade():
    op.drop_table('kept_profiles')
