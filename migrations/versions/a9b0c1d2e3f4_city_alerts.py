"""city alerts (issue 17)

Revision ID: a9b0c1d2e3f4
Revises: f8a9b0c1d2e3
Create Date: 2026-12-04 06:20:13.787900

"""
from alembic import op
import sqlalchemy as sa

from eventsite.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'a9b0c1d2e3f4'
down_revision = 'f8a9b0c1d2e3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('city_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('confirm_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('suppressed_at', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], name=op.f('fk_city_alerts_series_id_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city_alerts')),
    sa.UniqueConstraint('email_key', 'series_id', 'city', name=op.f('uq_city_alerts_email_key'))
    )
    with op.batch_alter_table('city_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_city_alerts_confirm_hash'), ['confirm_hash'], unique=False)
        batch_op.create_index('ix_city_alerts_place', ['series_id', 'city'], unique=False)

    op.create_table('alerts_sent',
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['city_alerts.id'], name=op.f('fk_alerts_sent_alert_id_city_alerts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_alerts_sent_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_messages.id'], name=op.f('fk_alerts_sent_message_id_outbox_messages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('alert_id', 'event_id', name=op.f('pk_alerts_sent'))
    )
    with op.batch_alter_table('alerts_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_sent_message_id'), ['message_id'], unique=False)



def downgrade():
    with op.batch_alter_table('alerts_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_sent_message_id'))

    op.drop_table('alerts_sent')
    with op.batch_alter_table('city_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_city_alerts_place')
        batch_op.drop_index(batch_op.f('ix_city_alerts_confirm_hash'))

    op.drop_table('city_alerts')
