"""mail opt-outs per address and kind (issue 17)

Revision ID: 4c7f8a046464
Revises: b0c1d2e3f4a5
Create Date: 2026-12-04 08:19:01.229892

"""
from alembic import op
import sqlalchemy as sa

from eventsite.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = '4c7f8a046464'
down_revision = 'b0c1d2e3f4a5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_opt_outs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_opt_outs')),
    sa.UniqueConstraint('email_key', 'kind', name=op.f('uq_mail_opt_outs_email_key'))
    )


def downgrade():
    op.drop_table('mail_opt_outs')
