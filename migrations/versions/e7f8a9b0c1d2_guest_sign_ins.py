"""guests' sign-in links to My events (issue 17)

Revision ID: e7f8a9b0c1d2
Revises: d6e7f8a9b0c1
Create Date: 2026-12-04 06:06:14.912334

"""
from alembic import op
import sqlalchemy as sa

from eventsite.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'e7f8a9b0c1d2'
down_revision = 'd6e7f8a9b0c1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guest_sign_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guest_sign_ins')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_guest_sign_ins_token_hash'))
    )
    with op.batch_alter_table('guest_sign_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guest_sign_ins_email_key'), ['email_key'], unique=False)



def downgrade():
    with op.batch_alter_table('guest_sign_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guest_sign_ins_email_key'))

    op.drop_table('guest_sign_ins')
