"""The guest list's "first event / returning" and past no-shows of each guest."""

import dataclasses
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from eventsite.extensions import db
from eventsite.models import (
    CheckIn,
    Event,
    Rsvp,
    utcnow,
)
from eventsite.services.people.definitions import admission_join, no_show, per_event_count


@dataclasses.dataclass(frozen=True)
class Track:
    """A guest's record at the series' earlier events (those that started before this one)."""

    attended_before: int = 0
    past_no_shows: int = 0

    @property
    def is_returning(self) -> bool:
        return self.attended_before > 0


def guest_tracks(event: Event, rsvp_ids: list[int], *, now: dt.datetime | None = None) -> dict[int, Track]:
    """{rsvp id: Track} for the given guests of ``event``, in one query whatever their number;
    guests with no earlier RSVP are missing from the dict (a first event, no no-shows)."""
    now = now or utcnow()
    guest = aliased(Rsvp, name="guest")
    earlier = aliased(Rsvp, name="earlier")
    query = (
        sa.select(
            guest.id,
            per_event_count(CheckIn.id.is_not(None), earlier.event_id),
            per_event_count(no_show(earlier, now), earlier.event_id),
        )
        .join(earlier, sa.and_(earlier.email_key == guest.email_key, earlier.event_id != guest.event_id))
        .join(Event, Event.id == earlier.event_id)
        .outerjoin(CheckIn, admission_join(earlier))
        .where(guest.id.in_(rsvp_ids), Event.starts_at < event.starts_at, earlier.anonymised_at.is_(None))
        .group_by(guest.id)
    )
    return {rsvp_id: Track(attended, no_shows) for rsvp_id, attended, no_shows in db.session.execute(query)}
