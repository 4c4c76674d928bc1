"""Rsvp: one guest's reply to one event, and the history of every change made to it."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from eventsite.models.base import Base, TimestampMixin, UTCDateTime, str_enum, utcnow
from eventsite.models.enums import (
    LIVE_STATUSES,
    BadgeRole,
    RsvpAction,
    RsvpStatus,
    TrainingLevel,
)

_live_values = ", ".join(f"'{s.value}'" for s in LIVE_STATUSES)
_live_where = sa.text(f"status IN ({_live_values})")


class Rsvp(TimestampMixin, Base):
    __tablename__ = "rsvps"
    __table_args__ = (
        # One live reply per address per event; cancelled and declined ones may pile up.
        sa.Index(
            "uq_rsvps_live_email",
            "event_id",
            "email_key",
            unique=True,
            sqlite_where=_live_where,
            postgresql_where=_live_where,
        ),
        sa.Index("ix_rsvps_event_status", "event_id", "status"),
        # A person across events (People page, "returning" on the guest list).
        sa.Index("ix_rsvps_email_key", "email_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    #: Preferred name printed large on the badge; first name when empty.
    badge_name: Mapped[str] = mapped_column(sa.String(100), default="")
    pronouns: Mapped[str] = mapped_column(sa.String(40), default="")
    #: The address as the guest typed it (domain normalised).
    email: Mapped[str] = mapped_column(sa.String(254))
    #: Case-folded address used for uniqueness and look-ups.
    email_key: Mapped[str] = mapped_column(sa.String(254))
    institution: Mapped[str] = mapped_column(sa.String(200))
    training_level: Mapped[TrainingLevel] = mapped_column(str_enum(TrainingLevel, "training_level"))
    dietary_notes: Mapped[str] = mapped_column(sa.String(500), default="")
    accessibility_notes: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[RsvpStatus] = mapped_column(str_enum(RsvpStatus, "rsvp_status"))
    #: Secret for the guest's private manage link; never printed on a badge.
    manage_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: Secret encoded in the badge QR code; independent of the manage token.
    ticket_code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    #: When the guest joined the waitlist; orders the queue.
    waitlisted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: Deadline of an open offer (status offered).
    offer_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: When the day-before reminder was queued; set once, so it is sent once.
    reminder_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: "rsvp" (the public form), "organizer" (added by hand) or "walk_in" (at the door).
    source: Mapped[str] = mapped_column(sa.String(20), default="rsvp")
    #: When an organizer last printed this guest's badge; None: never, or the code was re-issued since.
    badge_printed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: The badge's colour band chosen by an organizer (e.g. staff); None derives it from training_level.
    badge_role: Mapped[BadgeRole | None] = mapped_column(str_enum(BadgeRole, "badge_role"))
    #: When the personal fields were replaced (guest's deletion or retention); the row keeps
    #: its status and times so the organizer's counts stay right.
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    #: The guest category they came in (issue 15); every RSVP has one.
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("guest_categories.id", ondelete="RESTRICT"), index=True)
    #: The vendor they represent at this event (issue 16): their badge band carries its name and
    #: their manage link opens its lead scanner; None for every other guest.
    event_vendor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("event_vendors.id", ondelete="SET NULL"), index=True
    )

    event: Mapped["Event"] = relationship(back_populates="rsvps")  # noqa: F821
    category: Mapped["GuestCategory"] = relationship()  # noqa: F821
    event_vendor: Mapped["EventVendor | None"] = relationship()  # noqa: F821
    changes: WriteOnlyMapped["RsvpChange"] = relationship(
        back_populates="rsvp", order_by="RsvpChange.id", passive_deletes=True
    )

    @property
    def display_name(self) -> str:
        return self.badge_name or self.first_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    def __repr__(self) -> str:
        return f"<Rsvp {self.id} {self.status}>"


class RsvpChange(Base):
    """One line of an RSVP's history: what happened, when, and who did it."""

    __tablename__ = "rsvp_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    rsvp_id: Mapped[int] = mapped_column(sa.ForeignKey("rsvps.id", ondelete="CASCADE"), index=True)
    action: Mapped[RsvpAction] = mapped_column(str_enum(RsvpAction, "rsvp_action"))
    #: "guest", "system", "cli" or "organizer:<email>".
    actor: Mapped[str] = mapped_column(sa.String(120))
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    rsvp: Mapped[Rsvp] = relationship(back_populates="changes")

    def __repr__(self) -> str:
        return f"<RsvpChange {self.rsvp_id} {self.action}>"
