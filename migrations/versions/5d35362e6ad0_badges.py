"""badges: print jobs, printed mark and role band per RSVP, print offsets per event

Revision ID: 5d35362e6ad0
Revises: 61231971ad34
Create Date: 2026-11-23 18:14:29.094058

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d35362e6ad0'
down_revision = '61231971ad34'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('badge_print_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.String(length=120), nullable=False),
    sa.Column('layout', sa.String(length=20), nullable=False),
    sa.Column('selection', sa.String(length=20), nullable=False),
    sa.Column('first_slot', sa.Integer(), nullable=False),
    sa.Column('badges', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='badge_job_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('done >= 0 AND done <= total', name=op.f('ck_badge_print_jobs_progress_in_range')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_badge_print_jobs_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_print_jobs'))
    )
    with op.batch_alter_table('badge_print_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_badge_print_jobs_event_id'), ['event_id'], unique=False)

    with op.batch_alter_table('events', schema=None) as batch_op:
        # Existing events print where the template says (no shift): temporary defaults, dropped below.
        batch_op.add_column(sa.Column('badge_offset_x_mm', sa.Float(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('badge_offset_y_mm', sa.Float(), nullable=False, server_default='0'))
        batch_op.create_check_constraint(op.f('ck_events_badge_offset_x_range'), 'badge_offset_x_mm BETWEEN -20 AND 20')
        batch_op.create_check_constraint(op.f('ck_events_badge_offset_y_range'), 'badge_offset_y_mm BETWEEN -20 AND 20')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.alter_column('badge_offset_x_mm', server_default=None)
        batch_op.alter_column('badge_offset_y_mm', server_default=None)

    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('badge_printed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('badge_role', sa.Enum('resident', 'faculty', 'industry', 'staff', 'guest', name='badge_role', native_enum=False, create_constraint=True), nullable=True))


def downgrade():
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        # SQLite keeps a column's CHECK in the table definition; drop it before the column.
        batch_op.drop_constraint(op.f('ck_rsvps_badge_role'), type_='check')
        batch_op.drop_column('badge_role')
        batch_op.drop_column('badge_printed_at')

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_events_badge_offset_y_range'), type_='check')
        batch_op.drop_constraint(op.f('ck_events_badge_offset_x_range'), type_='check')
        batch_op.drop_column('badge_offset_y_mm')
        batch_op.drop_column('badge_offset_x_mm')

    with op.batch_alter_table('badge_print_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_badge_print_jobs_event_id'))

    op.drop_table('badge_print_jobs')
