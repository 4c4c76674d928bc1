"""BadgePrintJob: one organizer's request for a badge PDF, rendered in the background; BadgeJobOutput: its PDF."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.models.base import Base, UTCDateTime, str_enum, utcnow
from eventsite.models.enums import BadgeJobStatus


class BadgePrintJob(Base):
    __tablename__ = "badge_print_jobs"
    __table_args__ = (sa.CheckConstraint("done >= 0 AND done <= total", name="progress_in_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: "organizer:<email>", as in RSVP history.
    requested_by: Mapped[str] = mapped_column(sa.String(120))
    #: A key of eventsite.services.badges.LAYOUTS.
    layout: Mapped[str] = mapped_column(sa.String(20))
    #: Which guests were asked for: "all", "unprinted" or "selected".
    selection: Mapped[str] = mapped_column(sa.String(20))
    #: Sheet position (1-based) of the first badge, to use up a partly printed sheet.
    first_slot: Mapped[int] = mapped_column(default=1)
    #: [[rsvp id, ticket code], ...] in print order, frozen when the job was made, so a badge
    #: whose code was re-issued meanwhile is not marked as printed.
    badges: Mapped[list] = mapped_column(sa.JSON, default=list)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    pages: Mapped[int] = mapped_column(default=0)
    status: Mapped[BadgeJobStatus] = mapped_column(
        str_enum(BadgeJobStatus, "badge_job_status"), default=BadgeJobStatus.QUEUED
    )
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Moves with every rendered chunk; a running job that stops moving has died with its process.
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    event: Mapped["Event"] = relationship()  # noqa: F821

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else int(100 * self.done / self.total)

    @property
    def is_finished(self) -> bool:
        return self.status in (BadgeJobStatus.DONE, BadgeJobStatus.FAILED)

    def __repr__(self) -> str:
        return f"<BadgePrintJob {self.id} {self.status} {self.done}/{self.total}>"


class BadgeJobOutput(Base):
    """A finished job's PDF, kept in the database that every app server shares (a download may
    reach another server than the one that rendered it), apart from the job row so that
    listing jobs never loads a PDF. Removed with its job, and a week after it was made."""

    __tablename__ = "badge_job_outputs"

    job_id: Mapped[int] = mapped_column(sa.ForeignKey("badge_print_jobs.id", ondelete="CASCADE"), primary_key=True)
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<BadgeJobOutput {self.job_id} {len(self.pdf)} bytes>"
