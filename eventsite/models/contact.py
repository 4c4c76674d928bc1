"""Networking between guests: each guest's opt-ins (directory, shared card) and the cards they saved."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.models.base import Base, TimestampMixin, UTCDateTime, utcnow


class GuestProfile(TimestampMixin, Base):
    """One guest's networking choices for one event (one row per RSVP, made when first needed).

    Nothing here is shown to anyone unless the guest opted in, and only while the RSVP is
    confirmed: visibility is decided when a page is read, so a cancelled guest vanishes at once.
    """

    __tablename__ = "guest_profiles"

    rsvp_id: Mapped[int] = mapped_column(sa.ForeignKey("rsvps.id", ondelete="CASCADE"), primary_key=True)
    #: Listed on the event's guest directory (badge name, program, level, ask_me_about).
    in_directory: Mapped[bool] = mapped_column(default=False)
    #: One line for the directory: "ask me about hand fellowships".
    ask_me_about: Mapped[str] = mapped_column(sa.String(120), default="")
    #: Guests who scan this guest's badge may save the card (name and program always).
    share_contact: Mapped[bool] = mapped_column(default=False)
    share_email: Mapped[bool] = mapped_column(default=False)
    share_phone: Mapped[bool] = mapped_column(default=False)
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    #: An http(s) link (LinkedIn, Doximity, a lab page); shared when not empty and share_contact.
    profile_url: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Vendors' representatives who scan this guest's badge may save them as a lead (issue 16),
    #: with the name and the fields ticked below; off unless the guest chose it.
    share_vendors: Mapped[bool] = mapped_column(default=False)
    vendor_email: Mapped[bool] = mapped_column(default=False)
    vendor_phone: Mapped[bool] = mapped_column(default=False)
    vendor_institution: Mapped[bool] = mapped_column(default=False)
    vendor_interest: Mapped[bool] = mapped_column(default=False)
    #: When the guest last turned vendor sharing on (None while it is off).
    vendors_agreed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: When the week-after e-mail with the saved contacts was queued; set once, so it is sent once.
    followup_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    rsvp: Mapped["Rsvp"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<GuestProfile {self.rsvp_id}>"


class SavedContact(Base):
    """Guest ``owner`` saved guest ``contact``'s shared card at the event, with a private note."""

    __tablename__ = "saved_contacts"
    __table_args__ = (
        sa.UniqueConstraint("owner_id", "contact_id"),
        sa.CheckConstraint("owner_id <> contact_id", name="not_self"),
        sa.Index("ix_saved_contacts_contact", "contact_id"),
        sa.Index("ix_saved_contacts_event", "event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("rsvps.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("rsvps.id", ondelete="CASCADE"))
    #: The owner's own one-line memo ("talked about hand fellowship"); never shown to the contact.
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped["Rsvp"] = relationship(foreign_keys=[owner_id])  # noqa: F821
    contact: Mapped["Rsvp"] = relationship(foreign_keys=[contact_id])  # noqa: F821

    def __repr__(self) -> str:
        return f"<SavedContact {self.owner_id}->{self.contact_id}>"
