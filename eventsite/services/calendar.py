"""iCalendar files for an event, in the venue's own time zone."""

import datetime as dt
from urllib.parse import urlsplit

import icalendar

from eventsite.models import Event, utcnow


def event_ics(event: Event, *, url: str, base_url: str) -> bytes:
    """A VCALENDAR with one VEVENT (and its VTIMEZONE) for ``event``; ``url`` is the event page."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//eventsite//Resident Networking//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    vevent = icalendar.Event()
    vevent.add("uid", f"event-{event.id}@{urlsplit(base_url).hostname}")
    vevent.add("dtstamp", utcnow())
    vevent.add("dtstart", event.local_starts_at)
    vevent.add("dtend", event.local_ends_at)
    vevent.add("summary", event.title)
    vevent.add("location", event.location_text)
    description = "\n\n".join(p for p in (event.summary, event.audience_note, url) if p)
    vevent.add("description", description)
    vevent.add("url", url)
    if event.is_cancelled:
        vevent.add("status", "CANCELLED")
    cal.add_component(vevent)
    year = event.local_starts_at.year
    cal.add_missing_timezones(first_date=dt.date(year - 1, 1, 1), last_date=dt.date(year + 1, 12, 31))
    return cal.to_ical()
