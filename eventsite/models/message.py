"""Message: an organizer's e-mail to one segment of an event's guests."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.models.base import Base, UTCDateTime, str_enum, utcnow
from eventsite.models.enums import Segment


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    segment: Mapped[Segment] = mapped_column(str_enum(Segment, "segment"))
    #: Only the guests of this category (issue 15); None: the whole segment.
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("guest_categories.id", ondelete="SET NULL"))
    #: The ticked guests (RSVP ids) of a message to the SELECTED segment; [] otherwise.
    picked: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")
    subject: Mapped[str] = mapped_column(sa.String(200))
    #: Plain text as the organizer wrote it; {first_name} and friends are filled per guest.
    body: Mapped[str] = mapped_column(sa.Text)
    sent_by: Mapped[str] = mapped_column(sa.String(254))
    recipients: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped["Event"] = relationship()  # noqa: F821
    category: Mapped["GuestCategory | None"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.segment}>"
