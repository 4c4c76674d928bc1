"""Vendors and sponsors (issue 16): a company stored once for the site, attached to the events it
comes to with a tier, a line on what guests can try and places for its representatives; and the
leads its representatives save by scanning the badges of guests who agreed to it."""

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.models.base import Base, TimestampMixin, UTCDateTime, str_enum, utcnow


class VendorTier(enum.StrEnum):
    """Where a vendor stands at an event; the event page lists them in this order."""

    HOST_SPONSOR = "host_sponsor"
    SPONSOR = "sponsor"
    EXHIBITOR = "exhibitor"

    @property
    def label(self) -> str:
        return {"host_sponsor": "Host sponsor", "sponsor": "Sponsor", "exhibitor": "Exhibitor"}[self.value]

    @property
    def rank(self) -> int:
        return list(VendorTier).index(self)


class LeadRating(enum.StrEnum):
    HOT = "hot"
    WARM = "warm"
    COLD = "cold"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Vendor(TimestampMixin, Base):
    """A company, once for the site: the same vendor comes to many cities."""

    __tablename__ = "vendors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    #: Case-folded name: one row per company.
    name_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    #: The logo as re-encoded by services.vendors (PNG, JPEG or WebP; never the uploaded bytes).
    logo: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    logo_type: Mapped[str] = mapped_column(sa.String(20), default="")
    #: First 16 hex digits of the logo's SHA-256: in its URL, so a new logo is a new address.
    logo_hash: Mapped[str] = mapped_column(sa.String(16), default="")
    logo_width: Mapped[int] = mapped_column(default=0)
    logo_height: Mapped[int] = mapped_column(default=0)

    @property
    def logo_file(self) -> str:
        """The logo's file name in its URL (``<hash>.<ext>``); "" without a logo."""
        ext = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}.get(self.logo_type, "")
        return f"{self.logo_hash}.{ext}" if self.logo_hash and ext else ""

    def __repr__(self) -> str:
        return f"<Vendor {self.id} {self.name!r}>"


class EventVendor(Base):
    """A vendor at one event: tier, what guests can try, places for representatives, and the
    counts the organizers see (scans and withdrawals are counts only: they name nobody)."""

    __tablename__ = "event_vendors"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "vendor_id"),
        sa.CheckConstraint("places >= 0", name="places_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendors.id", ondelete="RESTRICT"), index=True)
    tier: Mapped[VendorTier] = mapped_column(str_enum(VendorTier, "vendor_tier"), default=VendorTier.EXHIBITOR)
    #: One line: what guests can try ("robotic stapler simulator").
    brings: Mapped[str] = mapped_column(sa.String(200), default="")
    #: How many representatives may be invited.
    places: Mapped[int] = mapped_column(default=2)
    position: Mapped[int] = mapped_column(default=0)
    #: Badges scanned by its representatives (with or without consent), and leads withdrawn.
    scans: Mapped[int] = mapped_column(default=0)
    withdrawals: Mapped[int] = mapped_column(default=0)
    #: When the week-after e-mail with the leads was queued to its representatives; once.
    leads_mailed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    vendor: Mapped[Vendor] = relationship(lazy="joined")
    event: Mapped["Event"] = relationship()  # noqa: F821

    @property
    def name(self) -> str:
        return self.vendor.name

    def __repr__(self) -> str:
        return f"<EventVendor {self.event_id}:{self.vendor_id}>"


class Lead(Base):
    """A guest who agreed to share with vendors, saved by one of a vendor's representatives.

    What the vendor reads is decided when it reads (the guest's current choice of fields). The
    guest can withdraw it from their manage page: the note and rating go, the vendor no longer
    sees it, and the row stays only as "withdrawn" so that vendor cannot save them again.
    """

    __tablename__ = "leads"
    __table_args__ = (sa.UniqueConstraint("event_vendor_id", "rsvp_id"), sa.Index("ix_leads_rsvp", "rsvp_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("event_vendors.id", ondelete="CASCADE"))
    rsvp_id: Mapped[int] = mapped_column(sa.ForeignKey("rsvps.id", ondelete="CASCADE"))
    #: The representative who scanned (None once their RSVP is gone).
    taken_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rsvps.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    rating: Mapped[LeadRating | None] = mapped_column(str_enum(LeadRating, "lead_rating"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the guest withdrew it (None: the vendor holds it).
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    event_vendor: Mapped[EventVendor] = relationship()
    rsvp: Mapped["Rsvp"] = relationship(foreign_keys=[rsvp_id])  # noqa: F821

    def __repr__(self) -> str:
        return f"<Lead {self.event_vendor_id}:{self.rsvp_id}>"
