"""iCalendar files for an event, in the venue's own time zone."""

import datetime as dt
import functools
from urllib.parse import urlencode, urlsplit

import icalendar

from eventsite.models import Event, utcnow


def event_ics(event: Event, *, url: str, base_url: str) -> bytes:
    """A VCALENDAR with one VEVENT (and its VTIMEZONE) for ``event``; ``url`` is the event page.

    DTSTAMP is the event's last revision, so the file depends on the event alone and is
    built once per version: every guest e-mail attaches it, and icalendar takes ~1 ms.
    UID stays the same for the life of the event and SEQUENCE is ``event.ics_sequence``, so a
    file sent after the event moved updates the entry a guest imported before.
    """
    return _build_ics(**_fields(event, url=url, base_url=base_url))


def _fields(event: Event, *, url: str, base_url: str) -> dict:
    """What an event's VEVENT holds, as hashable values (``_build_ics``'s key)."""
    description = "\n\n".join(p for p in (event.summary, event.audience_note, url) if p)
    return dict(
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


def feed_ics(events: list[Event], *, name: str, url_of, base_url: str) -> bytes:
    """A subscribable calendar (a series, or one city of it): one VEVENT per event with the same
    UID and SEQUENCE as the event's own file, so a subscribed calendar updates an entry when the
    event moves and marks it cancelled; ``url_of(event)`` is each event's page."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//eventsite//Resident Networking//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", dt.timedelta(hours=6), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    years = [e.local_starts_at.year for e in events] or [utcnow().year]
    for event in events:
        cal.add_component(_vevent(**_fields(event, url=url_of(event), base_url=base_url)))
    cal.add_missing_timezones(first_date=dt.date(min(years) - 1, 1, 1), last_date=dt.date(max(years) + 1, 12, 31))
    return cal.to_ical()


def _vevent(
    *, uid, stamp, timezone, start, end, title, location, description, url, cancelled, sequence
) -> icalendar.Event:
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
    return vevent


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
    cal.add_component(_vevent(uid=uid, stamp=stamp, timezone=timezone, start=start, end=end, title=title,
                              location=location, description=description, url=url, cancelled=cancelled,
                              sequence=sequence))  # fmt: skip
    cal.add_missing_timezones(first_date=dt.date(start.year - 1, 1, 1), last_date=dt.date(start.year + 1, 12, 31))
    return cal.to_ical()


def add_to_calendar(event: Event, *, page_url: str, ics_url: str) -> dict[str, str]:
    """Links that put ``event`` in a calendar before RSVPing: Google and Outlook on the web (times
    in UTC, the venue's zone named for Google), and the .ics file for every other calendar."""
    fmt = "%Y%m%dT%H%M%SZ"
    start, end = event.starts_at.astimezone(dt.UTC), event.ends_at.astimezone(dt.UTC)
    details = "\n\n".join(p for p in (event.summary, page_url) if p)
    google = "https://calendar.google.com/calendar/render?" + urlencode({
        "action": "TEMPLATE", "text": event.title, "dates": f"{start:{fmt}}/{end:{fmt}}", "details": details,
        "location": event.location_text, "ctz": event.timezone,
    })  # fmt: skip
    outlook = "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode({
        "path": "/calendar/action/compose", "rru": "addevent", "subject": event.title,
        "startdt": start.isoformat().replace("+00:00", "Z"), "enddt": end.isoformat().replace("+00:00", "Z"),
        "location": event.location_text, "body": details,
    })  # fmt: skip
    return {"google": google, "outlook": outlook, "ics": ics_url}
