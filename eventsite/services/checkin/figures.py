"""The door's live figures, for the door page and the dashboard: admissions against confirmed
guests, walk-ins, admissions per quarter hour and the last scans."""

import dataclasses
import datetime as dt

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import CheckIn, Event, GuestCategory, Rsvp, RsvpStatus
from eventsite.services import doors
from eventsite.services.checkin.verdicts import Reason


@dataclasses.dataclass(frozen=True)
class Scan:
    check_in_id: int
    at: dt.datetime
    #: The scanning device's clock was off (``at`` is then the time the server received the scan).
    clock_off: bool
    door: str
    result: str
    reason: str
    name: str
    undone: bool


@dataclasses.dataclass(frozen=True)
class DoorStats:
    checked_in: int
    confirmed: int
    walk_ins: int
    #: (start of the 15-minute slot, admissions in it), from the first admission to the last
    #: within the event's door window.
    per_quarter: list[tuple[dt.datetime, int]]
    last_scans: list[Scan]
    #: (category name, checked in, confirmed) per guest category, when the event has several.
    by_category: list[tuple[str, int, int]] = dataclasses.field(default_factory=list)


def door_stats(event: Event, *, last: int = 10) -> DoorStats:
    """Live figures for the door page and the dashboard (a fixed number of queries)."""
    standing = (CheckIn.event_id == event.id, CheckIn.standing)
    times = list(db.session.scalars(sa.select(CheckIn.at).where(*standing)))
    walk_ins = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CheckIn)
        .join(Rsvp, Rsvp.id == CheckIn.rsvp_id)
        .where(*standing, Rsvp.source == "walk_in")
    )
    confirmed = db.session.scalar(
        sa.select(sa.func.count()).where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.CONFIRMED)
    )
    slots: dict[dt.datetime, int] = {}
    # The chart covers the event's door window only, whatever times are stored.
    opens, closes = doors.default_window(event)
    for t in times:
        if not opens <= t <= closes:
            continue
        slot = t.replace(minute=t.minute - t.minute % 15, second=0, microsecond=0)
        slots[slot] = slots.get(slot, 0) + 1
    per_quarter = []
    if slots:
        slot, end = min(slots), max(slots)
        while slot <= end:
            per_quarter.append((slot, slots.get(slot, 0)))
            slot += dt.timedelta(minutes=15)
    rows = db.session.execute(
        sa.select(CheckIn, Rsvp.badge_name, Rsvp.first_name)
        .outerjoin(Rsvp, Rsvp.id == CheckIn.rsvp_id)
        .where(CheckIn.event_id == event.id)
        .order_by(CheckIn.received_at.desc(), CheckIn.id.desc())
        .limit(last)
    ).all()
    scans = [
        Scan(
            check_in_id=c.id,
            at=c.at,
            clock_off=c.clock_off,
            door=c.door,
            result=c.result.value,
            reason=c.reason,
            name=(badge or first or "") if c.reason != Reason.WRONG_EVENT else "",
            undone=c.undone_at is not None,
        )
        for c, badge, first in rows
    ]
    return DoorStats(
        checked_in=len(times),
        confirmed=confirmed or 0,
        walk_ins=walk_ins or 0,
        per_quarter=per_quarter,
        last_scans=scans,
        by_category=_by_category(event),
    )


def _by_category(event: Event) -> list[tuple[str, int, int]]:
    """Checked in and confirmed per guest category (one query); [] for a single category."""
    of_category = Rsvp.category_id == GuestCategory.id
    rows = db.session.execute(
        sa.select(
            GuestCategory.name,
            sa.select(sa.func.count())
            .select_from(CheckIn)
            .join(Rsvp, Rsvp.id == CheckIn.rsvp_id)
            .where(of_category, CheckIn.standing)
            .scalar_subquery(),
            sa.select(sa.func.count()).where(of_category, Rsvp.status == RsvpStatus.CONFIRMED).scalar_subquery(),
        )
        .where(GuestCategory.event_id == event.id)
        .order_by(GuestCategory.position, GuestCategory.id)
    ).all()
    return [tuple(row) for row in rows] if len(rows) > 1 else []
