"""Organizer: a person who signs in to run events."""

import datetime as dt

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from eventsite.models.base import Base, UTCDateTime, str_enum, utcnow
from eventsite.models.enums import OrganizerRole


class Organizer(UserMixin, Base):
    __tablename__ = "organizers"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased sign-in address.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[OrganizerRole] = mapped_column(
        str_enum(OrganizerRole, "organizer_role"), default=OrganizerRole.ORGANIZER
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    #: Flask-Login stores this per-login id in the session cookie instead of the user id.
    login_session_token = None

    def get_id(self) -> str:
        return self.login_session_token or ""

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<Organizer {self.email}>"


class LoginSession(Base):
    """One sign-in on one browser. Signing out revokes it, so a copied cookie dies with it."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[int] = mapped_column(sa.ForeignKey("organizers.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the random token kept in the signed session cookie.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    organizer: Mapped[Organizer] = relationship()
