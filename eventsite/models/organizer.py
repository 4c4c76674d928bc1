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
    #: Set when an owner deactivates the member: their sessions end, their history stays.
    deactivated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: The TOTP secret (base32), encrypted like other secrets at rest; None: no second factor.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(200))
    totp_enabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: The last TOTP time step accepted: a code is good once (no replay within its window).
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger())

    assignments: Mapped[list["EventAssignment"]] = relationship(
        back_populates="organizer", cascade="all, delete-orphan", passive_deletes=True
    )

    #: Flask-Login stores this per-login id in the session cookie instead of the user id.
    login_session_token = None
    #: When that sign-in was last seen (set by the user loader; "My sign-ins" keeps it fresh).
    session_last_seen = None

    def get_id(self) -> str:
        return self.login_session_token or ""

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated member cannot sign in
        return self.deactivated_at is None

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
    #: For "My sign-ins": the browser's User-Agent and address when it signed in, last request.
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")
    ip_address: Mapped[str] = mapped_column(sa.String(45), default="")
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    organizer: Mapped[Organizer] = relationship()


class EventAssignment(Base):
    """An event an event host, a viewer or a door member may see (their scope)."""

    __tablename__ = "event_assignments"
    __table_args__ = (sa.UniqueConstraint("organizer_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[int] = mapped_column(sa.ForeignKey("organizers.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organizer: Mapped[Organizer] = relationship(back_populates="assignments")


class TeamInvitation(Base):
    """An owner's invitation to join the team: a signed, single-use link valid 7 days."""

    __tablename__ = "team_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    role: Mapped[OrganizerRole] = mapped_column(str_enum(OrganizerRole, "invitation_role"))
    #: The events a host, viewer or door member will be assigned to.
    event_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizers.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class PasswordReset(Base):
    """A "forgot your password" link: single use, valid one hour."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[int] = mapped_column(sa.ForeignKey("organizers.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    organizer: Mapped[Organizer] = relationship()


class RecoveryCode(Base):
    """One of a member's ten single-use codes for signing in without their phone."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[int] = mapped_column(sa.ForeignKey("organizers.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class TeamSettings(Base):
    """The site's one row of team rules (an owner's choice)."""

    __tablename__ = "team_settings"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Everyone with access to guest data must sign in with a second factor.
    require_second_factor: Mapped[bool] = mapped_column(default=False)
    updated_by: Mapped[str] = mapped_column(sa.String(120), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ActivityEntry(Base):
    """One change an organizer made (who, when, which event or person, what). Append-only."""

    __tablename__ = "activity_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizers.id", ondelete="SET NULL"), index=True)
    #: The member's e-mail at the time (kept if the account goes).
    actor: Mapped[str] = mapped_column(sa.String(254), default="")
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id", ondelete="SET NULL"), index=True)
    #: What it was about: "rsvp:12", "organizer:3", "door_link:5", "" for the event itself.
    subject: Mapped[str] = mapped_column(sa.String(60), default="")
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    #: Edited fields: {"field": [before, after]}.
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class NotificationPreference(Base):
    """How a member wants one kind of notice about one event: "instant", "daily" or "off".
    No row: the kind's default (see services.notifications)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (sa.UniqueConstraint("organizer_id", "event_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[int] = mapped_column(sa.ForeignKey("organizers.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    mode: Mapped[str] = mapped_column(sa.String(10))


class NotificationSent(Base):
    """A notice already queued for a member, so each happens once: ``key`` names the occasion
    (a day for a digest, "full" for the event becoming full, an outbox id for a failed e-mail)."""

    __tablename__ = "notifications_sent"
    __table_args__ = (sa.UniqueConstraint("organizer_id", "event_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[int] = mapped_column(sa.ForeignKey("organizers.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(60))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
