"""The package's definitions as SQL: a standing admission, a no-show, a count of events."""

import datetime as dt

import sqlalchemy as sa

from eventsite.models import CheckIn, Event, EventStatus, Rsvp, RsvpStatus


def admission_join(rsvp=Rsvp):
    """ON clause for the guest's standing admission; at most one row per RSVP (a unique index)."""
    return sa.and_(
        CheckIn.rsvp_id == rsvp.id,
        CheckIn.standing,
    )


def no_show(rsvp, now: dt.datetime):
    return sa.and_(
        rsvp.status == RsvpStatus.CONFIRMED,
        Event.status == EventStatus.PUBLISHED,
        Event.ends_at <= now,
        CheckIn.id.is_(None),
    )


def per_event_count(condition, event_id):
    return sa.func.count(sa.distinct(sa.case((condition, event_id))))
