"""PrivacySettings: the site's one row of data-protection choices (the retention period)."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eventsite.models.base import Base, UTCDateTime, utcnow


class PrivacySettings(Base):
    """Site-wide, because every organizer runs the same society's series and sees every event;
    one period keeps what a guest is told ("kept for N days after the event") the same everywhere."""

    __tablename__ = "privacy_settings"
    __table_args__ = (
        sa.CheckConstraint("id = 1", name="single_row"),
        sa.CheckConstraint("retention_days IS NULL OR retention_days >= 1", name="retention_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Days after an event's end before its guests' personal data is anonymised; None: kept.
    retention_days: Mapped[int | None]
    #: "organizer:<email>" of the last change, as in RSVP history.
    updated_by: Mapped[str] = mapped_column(sa.String(120), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<PrivacySettings retention_days={self.retention_days}>"
