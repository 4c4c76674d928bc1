"""DoorLink: a volunteer's link to one event's door page (/door/<token>), with optional PIN and window."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.models.base import Base, UTCDateTime, utcnow


class DoorLink(Base):
    __tablename__ = "door_links"
    __table_args__ = (sa.CheckConstraint("valid_until > valid_from", name="valid_window"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Shown on the door page and recorded with every scan ("Door 1").
    label: Mapped[str] = mapped_column(sa.String(80))
    #: Secret in the volunteer's URL; from ``secrets``, compared in constant time.
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: Werkzeug hash of the optional PIN; None: the link alone opens the door page.
    pin_hash: Mapped[str | None] = mapped_column(sa.String(255))
    valid_from: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: "organizer:<email>" of whoever made the link.
    created_by: Mapped[str] = mapped_column(sa.String(120), default="")

    event: Mapped["Event"] = relationship()  # noqa: F821

    @property
    def has_pin(self) -> bool:
        return self.pin_hash is not None

    def is_open(self, now: dt.datetime) -> bool:
        """Whether the link opens the door page at ``now`` (inside its window and not revoked)."""
        return self.revoked_at is None and self.valid_from <= now < self.valid_until

    def __repr__(self) -> str:
        return f"<DoorLink {self.id} {self.label!r}>"
