"""iCalendar files for an event, in the venue's own time zone."""

import datetime as dt
import functools
from urllib.parse import urlsplit

import icalendar

from eventsite.models import Event, utcnow


def event_ics(event: Event, *, url: str, base_url: str) -> bytes:
    """A VCALENDAR with one VEVENT (and its VTIMEZONE) for ``event``; ``url`` is the event page.

    DTSTAMP is the event's last revision, so the file depends on the event alone and is
    built once per version: every guest e-mail attaches it, and icalendar takes ~1 ms.
    UID stays the same for the life of the event and SEQUENCE is ``event.ics_sequence``, so a
    file sent after the event moved updates the entry a guest imported before.
    """
    description = "\n\n".join(p for p in (event.summary, event.audience_note, url) if p)
    return _build_ics(
        uid=f"event-{event.id}@{urlsplit(base_url).hostname}",
        stamp=event.updated_at or utcnow(),
        timezone=event.timezone,
        start=event.local_starts_at,
        end=event.local_ends_at,
        title=event.title,
        location=event.location_text,
        description=description,
        url=url,
        cancelled=event.is_cancelled,
        sequence=event.ics_sequence or 0,
    )


@functools.lru_cache(maxsize=256)
def _build_ics(
    *,
    uid: str,
    stamp: dt.datetime,
    timezone: str,  # in the key: aware datetimes in two zones can be equal
    start: dt.datetime,
    end: dt.datetime,
    title: str,
    location: str,
    description: str,
    url: str,
    cancelled: bool,
    sequence: int,
) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//eventsite//Resident Networking//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    vevent = icalendar.Event()
    vevent.add("uid", uid)
    vevent.add("dtstamp", stamp)
    vevent.add("sequence", sequence)
    vevent.add("dtstart", start)
    vevent.add("dtend", end)
    vevent.add("summary", title)
    vevent.add("location", location)
    vevent.add("description", description)
    vevent.add("url", url)
    if cancelled:
        vevent.add("status", "CANCELLED")
    cal.add_component(vevent)
    cal.add_missing_timezones(first_date=dt.date(start.year - 1, 1, 1), last_date=dt.date(start.year + 1, 12, 31))
    return cal.to_ical()
