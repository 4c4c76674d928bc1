"""Capacity arithmetic: how many places an event has, how many are taken (confirmed guests and
open offers hold a seat) and how many are left. The RSVP rules, the guest list, walk-ins and the
event pages all read it from here."""

import dataclasses

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import SEAT_STATUSES, Event, Rsvp, RsvpStatus


@dataclasses.dataclass(frozen=True)
class PlaceCounts:
    confirmed: int = 0
    offered: int = 0
    waitlisted: int = 0
    pending: int = 0
    capacity: int | None = None

    @property
    def seats_taken(self) -> int:
        return self.confirmed + self.offered

    @property
    def spots_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.seats_taken, 0)

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.seats_taken >= self.capacity


# The event page's queries, built once: constructing a statement and its cache key costs
# about as much as running it on SQLite (~0.15 ms each), and these run on every page view.
_PLACE_COUNTS = (
    sa.select(Rsvp.status, sa.func.count()).where(Rsvp.event_id == sa.bindparam("event_id")).group_by(Rsvp.status)
)


def place_counts(event: Event) -> PlaceCounts:
    """Live RSVPs of the event by status, with its capacity (one query)."""
    rows = db.session.execute(_PLACE_COUNTS, {"event_id": event.id}).all()
    return counts_from({status: n for status, n in rows}, event.capacity)


_SEATS_TAKEN = (
    sa.select(sa.func.count())
    .select_from(Rsvp)
    .where(Rsvp.event_id == sa.bindparam("event_id"), Rsvp.status.in_(SEAT_STATUSES))
)


def seats_taken(event: Event) -> int:
    return db.session.scalar(_SEATS_TAKEN, {"event_id": event.id})


def counts_from(by_status: dict, capacity: int | None) -> PlaceCounts:
    return PlaceCounts(
        confirmed=by_status.get(RsvpStatus.CONFIRMED, 0),
        offered=by_status.get(RsvpStatus.OFFERED, 0),
        waitlisted=by_status.get(RsvpStatus.WAITLISTED, 0),
        pending=by_status.get(RsvpStatus.PENDING, 0),
        capacity=capacity,
    )
