"""door links: volunteers' door pages, and which door link each scan came through

Revision ID: 62f81d8227e9
Revises: 3c5e0a7d9b21
Create Date: 2026-11-23 18:59:39.425495

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '62f81d8227e9'
down_revision = '3c5e0a7d9b21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('door_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('pin_hash', sa.String(length=255), nullable=True),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.CheckConstraint('valid_until > valid_from', name=op.f('ck_door_links_valid_window')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_door_links_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_door_links')),
    sa.UniqueConstraint('token', name=op.f('uq_door_links_token'))
    )
    with op.batch_alter_table('door_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_door_links_event_id'), ['event_id'], unique=False)

    # check_ins may hold rows: undone_by gets a temporary server default, dropped below.
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('door_link_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('undone_by', sa.String(length=120), nullable=False, server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_check_ins_door_link_id_door_links'), 'door_links', ['door_link_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.alter_column('undone_by', server_default=None)


def downgrade():
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_check_ins_door_link_id_door_links'), type_='foreignkey')
        batch_op.drop_column('undone_by')
        batch_op.drop_column('door_link_id')

    with op.batch_alter_table('door_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_door_links_event_id'))

    op.drop_table('door_links')
