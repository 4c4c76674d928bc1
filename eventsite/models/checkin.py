"""CheckIn: one row per scan at the door, rejected scans included (pretix's vocabulary)."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.models.base import Base, UTCDateTime, str_enum, utcnow
from eventsite.models.enums import CheckInResult

_admitted = sa.text("result = 'admitted' AND undone_at IS NULL")


class CheckIn(Base):
    __tablename__ = "check_ins"
    __table_args__ = (
        # One standing admission per guest: concurrent scans of one badge admit once.
        sa.Index(
            "uq_check_ins_one_admission", "rsvp_id", unique=True, sqlite_where=_admitted, postgresql_where=_admitted
        ),
        sa.Index("ix_check_ins_event_scanned", "event_id", "scanned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    rsvp_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rsvps.id", ondelete="SET NULL"))
    result: Mapped[CheckInResult] = mapped_column(str_enum(CheckInResult, "check_in_result"))
    #: Why a scan was not admitted: unknown_code, wrong_event, cancelled, already_checked_in, ...
    reason: Mapped[str] = mapped_column(sa.String(40), default="")
    #: Time on the scanning device (may be earlier than received_at for offline scans).
    scanned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The device's clock was off: scanned_at lay outside the door's window (a day's slack either
    #: side) or could not be held at all. The reported time is kept; ``at`` uses received_at.
    clock_off: Mapped[bool] = mapped_column(default=False)
    #: Unique per physical scan; a retry with the same nonce returns the first verdict.
    nonce: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: The door's label at the time of the scan ("Door 2", or "Organizer" for a signed-in organizer).
    door: Mapped[str] = mapped_column(sa.String(80), default="")
    #: The door link the scan came through; None for organizers (or a link since deleted).
    door_link_id: Mapped[int | None] = mapped_column(sa.ForeignKey("door_links.id", ondelete="SET NULL"))
    #: Who undid an admission ("door:<label>" or "organizer:<email>").
    undone_by: Mapped[str] = mapped_column(sa.String(120), default="")
    undone_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    rsvp: Mapped["Rsvp | None"] = relationship()  # noqa: F821

    @hybrid_property
    def at(self) -> dt.datetime:
        """When the scan happened, for figures and lists: the device's time unless its clock was off."""
        return self.received_at if self.clock_off else self.scanned_at

    @at.inplace.expression
    @classmethod
    def _at_expression(cls) -> sa.ColumnElement[dt.datetime]:
        return sa.case((cls.clock_off, cls.received_at), else_=cls.scanned_at)

    @hybrid_property
    def standing(self) -> bool:
        """An admission that still stands: admitted and not undone (what "checked in" means)."""
        return self.result == CheckInResult.ADMITTED and self.undone_at is None

    @standing.inplace.expression
    @classmethod
    def _standing_expression(cls) -> sa.ColumnElement[bool]:
        # Spelled as the partial index uq_check_ins_one_admission is: with the result as a bound
        # parameter, SQLite can't tell the index applies and scans every check-in.
        return sa.and_(sa.text("check_ins.result = 'admitted'"), cls.undone_at.is_(None))

    def __repr__(self) -> str:
        return f"<CheckIn {self.id} {self.result} {self.reason}>"
