"""KeptProfile: the details a guest asked us to remember for the next event (issue 17), one row per
address; kept only when they ticked "Remember my details", deleted with their data."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eventsite.models.base import Base, UTCDateTime, utcnow


class KeptProfile(Base):
    __tablename__ = "kept_profiles"

    #: The address as RSVPs key it (services.rsvps.normalise_email).
    email_key: Mapped[str] = mapped_column(sa.String(254), primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    badge_name: Mapped[str] = mapped_column(sa.String(100), default="")
    pronouns: Mapped[str] = mapped_column(sa.String(40), default="")
    institution: Mapped[str] = mapped_column(sa.String(200))
    training_level: Mapped[str] = mapped_column(sa.String(20))
    #: The networking choices of the RSVP form ({field: value}).
    networking: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
