"""Factories: plain functions with keyword overrides; they add and flush, the test commits."""

import datetime as dt
import itertools

from eventsite.demo import LA_VENUE
from eventsite.models import EventStatus, utcnow
from eventsite.services import badges, events, rsvps
from eventsite.services.guest_details import GuestDetails

_seq = itertools.count(1)


def make_event(*, days_ahead: float = 30, status: EventStatus = EventStatus.PUBLISHED, **overrides):
    """A published LA-style evening ``days_ahead`` from now (local 7:30–9:00 PM unless overridden)."""
    n = next(_seq)
    tz = overrides.pop("timezone", "America/Los_Angeles")
    from zoneinfo import ZoneInfo

    start_utc = overrides.pop("starts_at", None) or (utcnow() + dt.timedelta(days=days_ahead))
    local = start_utc.astimezone(ZoneInfo(tz)).replace(tzinfo=None, second=0, microsecond=0)
    fields = dict(
        title=f"Resident Networking Event {n}",
        slug=f"event-{n}",
        local_start=local,
        local_end=local + dt.timedelta(minutes=90),
        timezone=tz,
        **LA_VENUE,
        capacity=10,
        waitlist_enabled=True,
        claim_window_hours=24,
    )
    deadline = overrides.pop("rsvp_deadline", None)
    if deadline is not None:
        fields["local_deadline"] = deadline.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    fields.update(overrides)
    return events.create_event(status=status, **fields)


def guest_fields(n: int | None = None, **overrides) -> dict:
    """A guest's details as the RSVP form posts them."""
    n = n if n is not None else next(_seq)
    fields = dict(
        first_name=f"Guest{n}",
        last_name="Resident",
        email=f"guest{n}@example.org",
        institution="UCLA Orthopaedic Surgery",
        training_level="pgy2",
    )
    fields.update(overrides)
    return fields


def guest_details(n: int | None = None, **overrides) -> GuestDetails:
    """``guest_fields`` as the services take them."""
    return GuestDetails(**guest_fields(n, **overrides))


def make_rsvp(event, *, now=None, **overrides):
    """Submit an RSVP through the service (so every rule applies) and return the Rsvp."""
    return rsvps.submit_rsvp(event, guest_details(**overrides), now=now).rsvp


def next_year_evening(month: int = 9, day: int = 12) -> tuple[dt.datetime, dt.datetime]:
    """Naive local 7:30–9:00 PM on ``month``/``day`` next year: a fixed wall-clock time that stays in the future."""
    start = dt.datetime(utcnow().year + 1, month, day, 19, 30)
    return start, start.replace(hour=21, minute=0)


def make_organizer(email: str = "organizer@example.org", password: str = "correct horse battery staple", **kw):
    """An organizer account (added and flushed; the caller commits)."""
    from eventsite.services.accounts import create_organizer

    return create_organizer(email=email, name=kw.pop("name", "Olivia Organizer"), password=password, **kw)


def make_badge(**fields) -> badges.BadgeData:
    """One badge as plain data, as the renderer receives it (no database needed)."""
    values = dict(
        rsvp_id=1,
        payload="https://events.example.org/b/" + "a" * 32,
        name="José",
        full_name="José Hernández",
        pronouns="he/him",
        institution="UCLA Orthopaedic Surgery",
        level="PGY-2",
        role="resident",
        role_words="Resident",
        event_title="Resident Networking Evening",
        event_place="West Hollywood",
        event_date="Sun, Sep 12, 2027",
    )
    values.update(fields)
    return badges.BadgeData(**values)
