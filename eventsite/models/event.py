"""Event: one evening, its time (UTC plus the venue's zone), venue and RSVP rules."""

import datetime as dt
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from eventsite.models.base import Base, TimestampMixin, UTCDateTime, str_enum
from eventsite.models.enums import EventStatus


class Event(TimestampMixin, Base):
    __tablename__ = "events"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        sa.CheckConstraint("claim_window_hours >= 0", name="claim_window_not_negative"),
        sa.CheckConstraint("reminder_hours_before >= 0", name="reminder_not_negative"),
        sa.CheckConstraint("badge_offset_x_mm BETWEEN -20 AND 20", name="badge_offset_x_range"),
        sa.CheckConstraint("badge_offset_y_mm BETWEEN -20 AND 20", name="badge_offset_y_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Markdown source; rendered and sanitised for display.
    description: Mapped[str] = mapped_column(sa.Text, default="")
    audience_note: Mapped[str] = mapped_column(sa.String(200), default="")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: IANA zone of the venue; every time shown to people is converted into it.
    timezone: Mapped[str] = mapped_column(sa.String(64))
    venue_name: Mapped[str] = mapped_column(sa.String(200))
    room: Mapped[str] = mapped_column(sa.String(200), default="")
    street_address: Mapped[str] = mapped_column(sa.String(200))
    city: Mapped[str] = mapped_column(sa.String(100))
    region: Mapped[str] = mapped_column(sa.String(100), default="")
    postal_code: Mapped[str] = mapped_column(sa.String(20), default="")
    #: Confirmed places; None means unlimited.
    capacity: Mapped[int | None]
    #: Last moment an RSVP is accepted; None means until the event starts.
    rsvp_deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    waitlist_enabled: Mapped[bool] = mapped_column(default=True)
    #: Hours a waitlisted guest has to claim an offered spot; 0 promotes straight away.
    claim_window_hours: Mapped[int] = mapped_column(default=24)
    requires_approval: Mapped[bool] = mapped_column(default=False)
    status: Mapped[EventStatus] = mapped_column(str_enum(EventStatus, "event_status"), default=EventStatus.DRAFT)
    #: Send every confirmed guest a reminder this many hours before the start.
    reminder_enabled: Mapped[bool] = mapped_column(default=True)
    reminder_hours_before: Mapped[int] = mapped_column(default=24)
    #: The series the event belongs to (issue 17).
    series_id: Mapped[int] = mapped_column(sa.ForeignKey("series.id", ondelete="RESTRICT"), index=True)
    #: The event this one was copied from with "Next in series".
    copied_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id", ondelete="SET NULL"))
    series: Mapped["Series"] = relationship(lazy="joined")  # noqa: F821
    #: The organizer's words to guests when the event was cancelled.
    cancel_message: Mapped[str] = mapped_column(sa.Text, default="")
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: The calendar entry's revision (iCalendar SEQUENCE): raised whenever its time, place or
    #: status changes, so calendars replace the entry a guest imported earlier.
    ics_sequence: Mapped[int] = mapped_column(default=0)
    #: Shift of every printed badge on this event's sheets, in mm (+x right, +y down), so the
    #: print lines up with the die-cut inserts on a given printer; found with the calibration page.
    badge_offset_x_mm: Mapped[float] = mapped_column(sa.Float, default=0.0)
    badge_offset_y_mm: Mapped[float] = mapped_column(sa.Float, default=0.0)
    #: Confirmed guests may see who else is coming (those who opted in); organizers can turn it off.
    directory_enabled: Mapped[bool] = mapped_column(default=True)
    #: On the public list of events (/); an unlisted event is reached only by its link (issue 15).
    listed: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    #: Invitation e-mails carry a tracking image that records when each is first opened (issue
    #: 15; off unless the organizers turn it on).
    invite_track_opens: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: When the one reminder goes to invited people who have not answered (None: no reminder),
    #: and when it went.
    invite_reminder_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    invite_reminder_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: Contacts (and guests who saved any) removed when a guest deleted their data: the
    #: organizer's figures add them back, so a deletion does not rewrite the evening's result.
    forgotten_contacts: Mapped[int] = mapped_column(default=0)
    forgotten_savers: Mapped[int] = mapped_column(default=0)

    rsvps: WriteOnlyMapped["Rsvp"] = relationship(back_populates="event")  # noqa: F821

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def local_starts_at(self) -> dt.datetime:
        return self.starts_at.astimezone(self.tz)

    @property
    def local_ends_at(self) -> dt.datetime:
        return self.ends_at.astimezone(self.tz)

    @property
    def rsvp_closes_at(self) -> dt.datetime:
        return self.rsvp_deadline or self.starts_at

    @property
    def is_published(self) -> bool:
        return self.status == EventStatus.PUBLISHED

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def is_draft(self) -> bool:
        return self.status == EventStatus.DRAFT

    def is_past(self, now: dt.datetime) -> bool:
        return self.ends_at <= now

    def is_open_for_rsvp(self, now: dt.datetime) -> bool:
        return self.is_published and now < self.rsvp_closes_at

    @property
    def address_lines(self) -> list[str]:
        locality = ", ".join(p for p in (self.city, f"{self.region} {self.postal_code}".strip()) if p)
        return [line for line in (self.street_address, locality) if line]

    @property
    def location_text(self) -> str:
        place = ", ".join(p for p in (self.venue_name, self.room) if p)
        return ", ".join([place, *self.address_lines])

    @property
    def map_url(self) -> str:
        query = ", ".join([self.venue_name, *self.address_lines])
        return "https://www.google.com/maps/search/?api=1&query=" + quote_plus(query)

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"
