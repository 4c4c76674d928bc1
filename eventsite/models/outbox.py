"""OutboxMessage: an e-mail written in the same transaction as the change that caused it."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.models.base import Base, UTCDateTime, str_enum, utcnow
from eventsite.models.enums import OutboxStatus


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rsvp_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rsvps.id", ondelete="SET NULL"), index=True)
    #: The guest invitation this e-mail delivers (a failure marks it bounced).
    invitation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("guest_invitations.id", ondelete="SET NULL"), index=True
    )
    invitation: Mapped["GuestInvitation | None"] = relationship()  # noqa: F821
    #: The organizer's message this e-mail belongs to, for delivered/failed counts.
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("messages.id", ondelete="SET NULL"), index=True)
    #: Names the template family ("rsvp_received", "offer", ...), for filtering and tests.
    kind: Mapped[str] = mapped_column(sa.String(40))
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    #: [{"filename", "mimetype", "content" (text)}]
    attachments: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: What the deliverer renders (services.mail.queue_guest_message): the guest e-mails are
    #: written here in the request as {"template", "status", "calendar", "context"}, with empty
    #: bodies, and rendered after the commit; None for a message rendered when it was queued.
    render: Mapped[dict | None] = mapped_column(sa.JSON)
    #: Extra header fields, e.g. List-Unsubscribe and List-Unsubscribe-Post on a notice to the team.
    headers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When a deliverer took the row; a stale claim is taken over after a while.
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"
