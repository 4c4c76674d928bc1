"""vendors, their representatives and leads (issue 16)

Revision ID: c5d6e7f8a9b0
Revises: b4c5d6e7f8a9
Create Date: 2026-12-04 05:18:19.694417

"""

from alembic import op
import sqlalchemy as sa

from eventsite.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = "c5d6e7f8a9b0"
down_revision = "b4c5d6e7f8a9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "vendors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_key", sa.String(length=120), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_type", sa.String(length=20), nullable=False),
        sa.Column("logo_hash", sa.String(length=16), nullable=False),
        sa.Column("logo_width", sa.Integer(), nullable=False),
        sa.Column("logo_height", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendors")),
        sa.UniqueConstraint("name_key", name=op.f("uq_vendors_name_key")),
    )
    op.create_table(
        "event_vendors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column(
            "tier",
            sa.Enum(
                "host_sponsor", "sponsor", "exhibitor", name="vendor_tier", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("brings", sa.String(length=200), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("scans", sa.Integer(), nullable=False),
        sa.Column("withdrawals", sa.Integer(), nullable=False),
        sa.Column("leads_mailed_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("places >= 0", name=op.f("ck_event_vendors_places_not_negative")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_vendors_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendors.id"], name=op.f("fk_event_vendors_vendor_id_vendors"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_vendors")),
        sa.UniqueConstraint("event_id", "vendor_id", name=op.f("uq_event_vendors_event_id")),
    )
    with op.batch_alter_table("event_vendors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_vendors_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_vendors_vendor_id"), ["vendor_id"], unique=False)

    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_vendor_id", sa.Integer(), nullable=False),
        sa.Column("rsvp_id", sa.Integer(), nullable=False),
        sa.Column("taken_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column(
            "rating",
            sa.Enum("hot", "warm", "cold", name="lead_rating", native_enum=False, create_constraint=True),
            nullable=True,
        ),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_vendor_id"],
            ["event_vendors.id"],
            name=op.f("fk_leads_event_vendor_id_event_vendors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["rsvp_id"], ["rsvps.id"], name=op.f("fk_leads_rsvp_id_rsvps"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["taken_by_id"], ["rsvps.id"], name=op.f("fk_leads_taken_by_id_rsvps"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
        sa.UniqueConstraint("event_vendor_id", "rsvp_id", name=op.f("uq_leads_event_vendor_id")),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index("ix_leads_rsvp", ["rsvp_id"], unique=False)

    with op.batch_alter_table("guest_invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_vendor_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_guest_invitations_event_vendor_id_event_vendors"),
            "event_vendors",
            ["event_vendor_id"],
            ["id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("guest_profiles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("share_vendors", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("vendor_email", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("vendor_phone", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("vendor_institution", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("vendor_interest", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("vendors_agreed_at", UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("rsvps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_vendor_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_rsvps_event_vendor_id"), ["event_vendor_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_rsvps_event_vendor_id_event_vendors"),
            "event_vendors",
            ["event_vendor_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("rsvps", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_rsvps_event_vendor_id_event_vendors"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_rsvps_event_vendor_id"))
        batch_op.drop_column("event_vendor_id")

    with op.batch_alter_table("guest_profiles", schema=None) as batch_op:
        batch_op.drop_column("vendors_agreed_at")
        batch_op.drop_column("vendor_interest")
        batch_op.drop_column("vendor_institution")
        batch_op.drop_column("vendor_phone")
        batch_op.drop_column("vendor_email")
        batch_op.drop_column("share_vendors")

    with op.batch_alter_table("guest_invitations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_guest_invitations_event_vendor_id_event_vendors"), type_="foreignkey")
        batch_op.drop_column("event_vendor_id")

    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_rsvp")

    op.drop_table("leads")
    with op.batch_alter_table("event_vendors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_vendors_vendor_id"))
        batch_op.drop_index(batch_op.f("ix_event_vendors_event_id"))

    op.drop_table("event_vendors")
    op.drop_table("vendors")
