"""badge job outputs: a finished badge PDF is kept in the database every app server shares

Revision ID: c3a9e5f7b214
Revises: b7e1d2c3f4a5
Create Date: 2026-12-02 20:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a9e5f7b214'
down_revision = 'b7e1d2c3f4a5'
branch_labels = None
depends_on = None


def upgrade():
    # PDFs rendered before this revision lived on one server's disk; they are not carried over
    # (a job is re-made from the badge page in a minute, and kept files expired after a week).
    op.create_table('badge_job_outputs',
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['badge_print_jobs.id'], name=op.f('fk_badge_job_outputs_job_id_badge_print_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', name=op.f('pk_badge_job_outputs'))
    )
    with op.batch_alter_table('badge_job_outputs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_badge_job_outputs_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('badge_job_outputs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_badge_job_outputs_created_at'))
    op.drop_table('badge_job_outputs')
