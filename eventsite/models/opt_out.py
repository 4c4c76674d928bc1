"""MailOptOut: an address that asked for no more bulk e-mail of one kind (issue 17), or of any
kind after a spam complaint. Kept by address, across events, and honoured by every sender of
that kind; transactional e-mail (your RSVP, your offer, your sign-in link) is never affected."""

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eventsite.models.base import Base, UTCDateTime, utcnow


class BulkKind(enum.StrEnum):
    """The kinds of bulk e-mail a guest can turn off, one by one (city alerts have their own
    subscriptions, which their links end)."""

    MESSAGES = "messages"  # organizers' messages about an event the guest replied to
    INVITATIONS = "invitations"  # invitations to events, and their reminders
    FOLLOW_UPS = "follow_ups"  # after an evening: the feedback form and the people you met
    ALL = "all"  # a spam complaint, or "none of it": every kind above and city alerts

    @property
    def label(self) -> str:
        """As the guest reads it (the unsubscribe page, the e-mail's footer)."""
        return BULK_LABELS[self]

    @property
    def team_label(self) -> str:
        """As the team reads it (a person's page)."""
        return TEAM_LABELS[self]


BULK_LABELS = {
    BulkKind.MESSAGES: "organizers' messages about events you replied to",
    BulkKind.INVITATIONS: "invitations to events",
    BulkKind.FOLLOW_UPS: "e-mails after an event (feedback form, the people you met)",
    BulkKind.ALL: "every e-mail that isn't about your own RSVP",
}


TEAM_LABELS = {
    BulkKind.MESSAGES: "organizers' messages",
    BulkKind.INVITATIONS: "invitations",
    BulkKind.FOLLOW_UPS: "e-mails after an event",
    BulkKind.ALL: "every e-mail but those about their own RSVP",
}


class MailOptOut(Base):
    __tablename__ = "mail_opt_outs"
    __table_args__ = (sa.UniqueConstraint("email_key", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The address as RSVPs key it (services.rsvps.normalise_email).
    email_key: Mapped[str] = mapped_column(sa.String(254))
    #: A BulkKind value.
    kind: Mapped[str] = mapped_column(sa.String(20))
    #: "link" (the unsubscribe page), "one-click" (a mail app, RFC 8058), "complaint", "bounce".
    source: Mapped[str] = mapped_column(sa.String(20), default="link")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<MailOptOut {self.email_key} {self.kind}>"
