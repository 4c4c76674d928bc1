"""GuestInvitation: a personal link that opens an event's RSVP form pre-filled for one person
(issue 15): it lets them into an invitation-only category and, if the organizer chose, past
approval; it works once, and says "can't come" too."""

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.models.base import Base, UTCDateTime, str_enum, utcnow


class InvitationStatus(enum.StrEnum):
    INVITED = "invited"
    RSVPED = "rsvped"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return {"invited": "Invited", "rsvped": "Replied", "declined": "Can't come"}[self.value]


class GuestInvitation(Base):
    __tablename__ = "guest_invitations"
    __table_args__ = (sa.UniqueConstraint("event_id", "email_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    #: The address as RSVPs key it (services.rsvps.normalise_email): one invitation per person.
    email_key: Mapped[str] = mapped_column(sa.String(254))
    first_name: Mapped[str] = mapped_column(sa.String(100), default="")
    last_name: Mapped[str] = mapped_column(sa.String(100), default="")
    institution: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    #: A TrainingLevel value, or "" when the list did not say.
    training_level: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    #: Answers to the event's custom questions from an imported list ({question id: answer}),
    #: filled in on the RSVP form the link opens.
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default="{}")
    #: The category they are invited into; None: the RSVP form's choice.
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("guest_categories.id", ondelete="SET NULL"))
    #: A vendor's representative (issue 16): their RSVP represents this vendor.
    event_vendor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event_vendors.id", ondelete="CASCADE"))
    #: Their RSVP is placed at once, without the organizers' approval.
    skip_approval: Mapped[bool] = mapped_column(default=False)
    #: SHA-256 of the link's secret (services.tokens.hashed): a leaked table opens nothing.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[InvitationStatus] = mapped_column(
        str_enum(InvitationStatus, "invitation_status"), default=InvitationStatus.INVITED
    )
    rsvp_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rsvps.id", ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(sa.String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    responded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: First opening of the invitation e-mail (only while the event tracks openings).
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: The outbox gave up delivering the invitation (or its reminder).
    bounced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: The reminder went; it carries a second link (its secret's hash here), the first still works.
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reminder_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    event: Mapped["Event"] = relationship()  # noqa: F821
    category: Mapped["GuestCategory | None"] = relationship()  # noqa: F821
    event_vendor: Mapped["EventVendor | None"] = relationship()  # noqa: F821
    rsvp: Mapped["Rsvp | None"] = relationship()  # noqa: F821
