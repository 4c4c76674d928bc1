"""How dates, times and labels read on pages and in e-mails (Jinja filters and globals)."""

import datetime as dt
from zoneinfo import ZoneInfo

from eventsite.models import Event, RsvpStatus, TrainingLevel


def clock(value: dt.datetime, *, meridiem: bool = True) -> str:
    """7:30 PM (no leading zero; "7 PM" is avoided because people misread it in lists)."""
    text = f"{value.hour % 12 or 12}:{value.minute:02d}"
    return f"{text} {value.strftime('%p')}" if meridiem else text


def long_date(value: dt.datetime) -> str:
    return f"{value.strftime('%A, %B')} {value.day}, {value.year}"


def event_when(event: Event) -> str:
    """'Sunday, September 12, 2027 · 7:30–9:00 PM PDT' in the event's own zone."""
    return span_when(event.local_starts_at, event.local_ends_at)


def span_when(start: dt.datetime, end: dt.datetime) -> str:
    """``event_when`` for any start and end, already in the zone to show."""
    zone = end.tzname()
    if start.date() != end.date():
        return f"{long_date(start)} · {clock(start)} – {long_date(end)} · {clock(end)} {zone}"
    if start.strftime("%p") == end.strftime("%p"):
        times = f"{clock(start, meridiem=False)}–{clock(end)}"
    else:
        times = f"{clock(start)}–{clock(end)}"
    return f"{long_date(start)} · {times} {zone}"


def event_when_short(event: Event) -> str:
    start = event.local_starts_at
    return f"{start.strftime('%a, %b')} {start.day} · {clock(start)} {start.tzname()}"


def local_datetime(value: dt.datetime | None, tz: str | ZoneInfo) -> str:
    """A moment in a zone: 'Friday, September 10, 2027 at 7:30 PM PDT'."""
    if value is None:
        return ""
    local = value.astimezone(tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz))
    return f"{long_date(local)} at {clock(local)} {local.tzname()}"


def level_label(value: str) -> str:
    return TrainingLevel(value).label


def status_label(value: str) -> str:
    return RsvpStatus(value).label


def ago(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """'just now', '5 minutes ago', '3 hours ago', '2 days ago' (for times that need no zone)."""
    if value is None:
        return "never"
    seconds = max(0, ((now or dt.datetime.now(dt.UTC)) - value).total_seconds())
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


FILTERS = {
    "ago": ago,
    "event_when": event_when,
    "event_when_short": event_when_short,
    "level_label": level_label,
    "status_label": status_label,
}
GLOBALS = {"local_datetime": local_datetime}
