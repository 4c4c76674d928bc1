"""One person: every RSVP of theirs across the series, newest event first."""

import dataclasses
import datetime as dt

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import (
    CheckIn,
    Event,
    FeedbackReceipt,
    Rsvp,
    RsvpStatus,
    utcnow,
)
from eventsite.services.people.definitions import admission_join, no_show


@dataclasses.dataclass(frozen=True)
class Attendance:
    """One of the person's RSVPs, with its event."""

    rsvp_id: int
    event: Event
    status: RsvpStatus
    created_at: dt.datetime
    checked_in_at: dt.datetime | None
    is_no_show: bool
    feedback_at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class Person:
    latest: Rsvp
    #: Newest event first.
    attendances: list[Attendance]

    @property
    def events(self) -> int:
        return len({a.event.id for a in self.attendances})

    @property
    def attended(self) -> int:
        return len({a.event.id for a in self.attendances if a.checked_in_at})

    @property
    def no_shows(self) -> int:
        return len({a.event.id for a in self.attendances if a.is_no_show})

    @property
    def feedback_given(self) -> int:
        return len({a.event.id for a in self.attendances if a.feedback_at})

    @property
    def first_seen(self) -> dt.datetime:
        return min(a.created_at for a in self.attendances)


def person(rsvp_id: int, *, now: dt.datetime | None = None) -> Person | None:
    """The person one RSVP belongs to, with every RSVP of theirs (one query for all of them);
    None for an unknown or anonymised RSVP."""
    now = now or utcnow()
    anchor = db.session.get(Rsvp, rsvp_id) if 0 < rsvp_id < 2**31 else None
    if anchor is None or anchor.anonymised_at is not None:
        return None
    rows = db.session.execute(
        sa.select(Rsvp, Event, CheckIn.at, no_show(Rsvp, now), FeedbackReceipt.answered_at)
        .join(Event, Event.id == Rsvp.event_id)
        .outerjoin(CheckIn, admission_join())
        .outerjoin(FeedbackReceipt, FeedbackReceipt.rsvp_id == Rsvp.id)
        .where(Rsvp.email_key == anchor.email_key, Rsvp.anonymised_at.is_(None))
        .order_by(Event.starts_at.desc(), Rsvp.id.desc())
    ).all()
    attendances = [
        Attendance(rsvp.id, event, rsvp.status, rsvp.created_at, scanned_at, bool(missed), answered_at)
        for rsvp, event, scanned_at, missed, answered_at in rows
    ]
    latest = max((rsvp for rsvp, *_ in rows), key=lambda r: r.id)
    return Person(latest=latest, attendances=attendances)
