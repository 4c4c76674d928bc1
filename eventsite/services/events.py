"""Events: creation, listings, place counts and the rendered description."""

import dataclasses
import datetime as dt
import functools
import re
import unicodedata
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import nh3
import sqlalchemy as sa
from markdown_it import MarkdownIt

from eventsite.extensions import db
from eventsite.models import SEAT_STATUSES, Event, EventStatus, Rsvp, RsvpStatus, utcnow
from eventsite.services import DomainError

_markdown = MarkdownIt("commonmark", {"linkify": False, "typographer": True}).enable("table")
_ALLOWED_TAGS = {
    "a", "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "h2", "h3", "h4",
    "blockquote", "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


@functools.lru_cache(maxsize=512)
def render_markdown(source: str) -> str:
    """Markdown to HTML, then cleaned to an allow-list: organizers' text can't inject script."""
    html = _markdown.render(source or "")
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )


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


def place_counts(event: Event) -> PlaceCounts:
    """Live RSVPs of the event by status, with its capacity (one query)."""
    rows = db.session.execute(
        sa.select(Rsvp.status, sa.func.count())
        .where(Rsvp.event_id == event.id)
        .group_by(Rsvp.status)
    ).all()
    by_status = {status: n for status, n in rows}
    return PlaceCounts(
        confirmed=by_status.get(RsvpStatus.CONFIRMED, 0),
        offered=by_status.get(RsvpStatus.OFFERED, 0),
        waitlisted=by_status.get(RsvpStatus.WAITLISTED, 0),
        pending=by_status.get(RsvpStatus.PENDING, 0),
        capacity=event.capacity,
    )


def seats_taken(event: Event) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Rsvp)
        .where(Rsvp.event_id == event.id, Rsvp.status.in_(SEAT_STATUSES))
    )


def get_public_event(slug: str) -> Event | None:
    """A published or cancelled event by slug; drafts don't exist for the public."""
    return db.session.scalar(
        sa.select(Event).where(Event.slug == slug, Event.status != EventStatus.DRAFT)
    )


def upcoming_events(now: dt.datetime | None = None) -> list[Event]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.status != EventStatus.DRAFT, Event.ends_at > now)
            .order_by(Event.starts_at)
        )
    )


def past_events(now: dt.datetime | None = None) -> list[Event]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.status != EventStatus.DRAFT, Event.ends_at <= now)
            .order_by(Event.starts_at.desc())
        )
    )


def slugify(*parts: str) -> str:
    text = unicodedata.normalize("NFKD", " ".join(parts)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:120] or "event"


def check_timezone(name: str) -> ZoneInfo:
    if name not in available_timezones():
        raise DomainError(f"{name!r} is not a time zone name such as America/Los_Angeles.", "bad_timezone", "timezone")
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:  # pragma: no cover - listed zones always load
        raise DomainError("Unknown time zone.", "bad_timezone", "timezone") from None


def create_event(
    *,
    title: str,
    slug: str,
    local_start: dt.datetime,
    local_end: dt.datetime,
    timezone: str,
    venue_name: str,
    street_address: str,
    city: str,
    **fields,
) -> Event:
    """Create an event from wall-clock times in its own zone.

    ``local_start``/``local_end`` are naive and read in ``timezone``. Other keyword fields are
    Event columns (room, capacity, summary, ...). Raises DomainError ``bad_timezone``,
    ``end_before_start``, ``slug_taken``, ``deadline_after_start``.
    """
    tz = check_timezone(timezone)
    starts_at = local_start.replace(tzinfo=tz).astimezone(dt.UTC)
    ends_at = local_end.replace(tzinfo=tz).astimezone(dt.UTC)
    if ends_at <= starts_at:
        raise DomainError("The event must end after it starts.", "end_before_start", "ends_at")
    deadline = fields.get("rsvp_deadline")
    if deadline is not None and deadline > starts_at:
        raise DomainError("The RSVP deadline must be before the start.", "deadline_after_start", "rsvp_deadline")
    if db.session.scalar(sa.select(Event.id).where(Event.slug == slug)) is not None:
        raise DomainError("Another event already uses this address.", "slug_taken", "slug")
    event = Event(
        title=title,
        slug=slug,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone,
        venue_name=venue_name,
        street_address=street_address,
        city=city,
        **fields,
    )
    db.session.add(event)
    db.session.flush()
    return event
