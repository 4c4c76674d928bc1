"""series of events (issue 17)

Revision ID: f8a9b0c1d2e3
Revises: e7f8a9b0c1d2
Create Date: 2026-12-04 06:12:47.877371

"""
from alembic import op
import sqlalchemy as sa

from eventsite.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'f8a9b0c1d2e3'
down_revision = 'e7f8a9b0c1d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('extra_cities', sa.JSON(), nullable=False, server_default='[]'),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_series')),
    sa.UniqueConstraint('name', name=op.f('uq_series_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_series_slug'))
    )
    # Every existing event joins one series, named as the society's evenings are.
    now = sa.func.now() if op.get_bind().dialect.name == 'postgresql' else sa.text("strftime('%Y-%m-%d %H:%M:%f', 'now')")
    series = sa.table('series', sa.column('id'), sa.column('name'), sa.column('slug'), sa.column('description'),
                      sa.column('created_at'), sa.column('updated_at'))
    op.execute(series.insert().values(id=1, name='Resident Networking Events', slug='resident-networking-events',
                                      description='', created_at=now, updated_at=now))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("SELECT setval(pg_get_serial_sequence('series', 'id'), 1)")
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=False, server_default='1'))
        batch_op.create_index(batch_op.f('ix_events_series_id'), ['series_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_events_series_id_series'), 'series', ['series_id'], ['id'], ondelete='RESTRICT')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.alter_column('series_id', server_default=None)



def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_events_series_id_series'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_events_series_id'))
        batch_op.drop_column('series_id')

    op.drop_table('series')
