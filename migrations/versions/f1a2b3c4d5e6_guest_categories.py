"""guest categories: each event's categories, and the category of each RSVP

Every existing event gets one category, "All guests", open, with no places of its own (the
event's capacity still limits it) and no badge band of its own (bands follow training levels, as
before), and every RSVP goes into its event's category: nothing a guest, the door or the figures
see changes.

Revision ID: f1a2b3c4d5e6
Revises: e5f0a1b2c3d4
Create Date: 2026-12-03 23:40:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f1a2b3c4d5e6"
down_revision = "e5f0a1b2c3d4"
branch_labels = None
depends_on = None

BADGE_ROLES = ("resident", "faculty", "industry", "staff", "guest")
POLICIES = ("open", "approval", "closed", "invitation")


def upgrade():
    op.create_table(
        "guest_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column(
            "policy",
            sa.Enum(*POLICIES, name="category_policy", native_enum=False, create_constraint=True, length=10),
            nullable=False,
        ),
        sa.Column(
            "badge_role",
            sa.Enum(*BADGE_ROLES, name="badge_role", native_enum=False, create_constraint=True, length=8),
            nullable=True,
        ),
        sa.Column("badge_label", sa.String(length=40), nullable=False),
        sa.Column("training_levels", sa.JSON(), nullable=False),
        sa.Column("email_domains", sa.JSON(), nullable=False),
        sa.Column("other_domains_ask", sa.Boolean(), nullable=False),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name=op.f("ck_guest_categories_capacity_not_negative")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_guest_categories_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guest_categories")),
        sa.UniqueConstraint("event_id", "name", name=op.f("uq_guest_categories_event_id")),
    )
    with op.batch_alter_table("guest_categories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guest_categories_event_id"), ["event_id"], unique=False)
    op.execute(
        "INSERT INTO guest_categories (event_id, position, name, capacity, policy, badge_role, badge_label,"
        " training_levels, email_domains, other_domains_ask)"
        " SELECT id, 0, 'All guests', NULL, 'open', NULL, '', '[]', '[]', true FROM events"
    )
    with op.batch_alter_table("rsvps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category_id", sa.Integer(), nullable=True))
    op.execute("UPDATE rsvps SET category_id = (SELECT c.id FROM guest_categories c WHERE c.event_id = rsvps.event_id)")
    with op.batch_alter_table("rsvps", schema=None) as batch_op:
        batch_op.alter_column("category_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_rsvps_category_id"), ["category_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_rsvps_category_id_guest_categories"),
            "guest_categories",
            ["category_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade():
    with op.batch_alter_table("rsvps", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_rsvps_category_id_guest_categories"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_rsvps_category_id"))
        batch_op.drop_column("category_id")
    with op.batch_alter_table("guest_categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guest_categories_event_id"))
    op.drop_table("guest_categories")
