"""City alerts (issue 17): "tell me when there's an event near me". One subscription per address,
series and city, confirmed by e-mail (double opt-in); each published event there is announced to
it once (AlertSent)."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.models.base import Base, UTCDateTime, utcnow


class CityAlert(Base):
    __tablename__ = "city_alerts"
    __table_args__ = (
        sa.UniqueConstraint("email_key", "series_id", "city"),
        sa.Index("ix_city_alerts_place", "series_id", "city"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    #: The address as RSVPs key it (services.rsvps.normalise_email).
    email_key: Mapped[str] = mapped_column(sa.String(254))
    series_id: Mapped[int] = mapped_column(sa.ForeignKey("series.id", ondelete="CASCADE"))
    city: Mapped[str] = mapped_column(sa.String(100))
    #: SHA-256 of the confirmation link's secret, until it is used.
    confirm_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: The address bounced or complained: nothing more is sent to it.
    suppressed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    series: Mapped["Series"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<CityAlert {self.id} {self.city}>"


class AlertSent(Base):
    """One event announced to one subscription: never twice."""

    __tablename__ = "alerts_sent"

    alert_id: Mapped[int] = mapped_column(sa.ForeignKey("city_alerts.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    #: The outbox message that carries it (a failure suppresses the subscription).
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox_messages.id", ondelete="SET NULL"), index=True)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
