"""GuestSignIn: a single-use link to a guest's "My events" page (issue 17), e-mailed to an address
that has RSVPed; it opens every RSVP of that address, valid 30 minutes, once."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eventsite.models.base import Base, UTCDateTime, utcnow


class GuestSignIn(Base):
    __tablename__ = "guest_sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The address as RSVPs key it (services.rsvps.normalise_email).
    email_key: Mapped[str] = mapped_column(sa.String(254), index=True)
    #: SHA-256 of the link's secret (services.tokens.hashed).
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<GuestSignIn {self.id}>"
