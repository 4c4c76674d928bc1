"""Events: creation, listings, place counts and the rendered description."""

import dataclasses
import datetime as dt
import functools
import re
import unicodedata
from zoneinfo import ZoneInfo, available_timezones

import nh3
import sqlalchemy as sa
from markdown_it import MarkdownIt

from eventsite.database import lock_event
from eventsite.extensions import db
from eventsite.formatting import span_when
from eventsite.models import (
    LIVE_STATUSES,
    CheckIn,
    Event,
    EventStatus,
    OutboxMessage,
    OutboxStatus,
    Rsvp,
    RsvpStatus,
    TrainingLevel,
    utcnow,
)
from eventsite.services import DomainError, feedback, mail, rsvps
from eventsite.services.capacity import PlaceCounts, counts_from, place_counts, seats_taken

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


_PUBLIC_EVENT = sa.select(Event).where(Event.slug == sa.bindparam("slug"), Event.status != EventStatus.DRAFT)


def get_public_event(slug: str) -> Event | None:
    """A published or cancelled event by slug; drafts don't exist for the public."""
    return db.session.scalar(_PUBLIC_EVENT, {"slug": slug})


def upcoming_events(now: dt.datetime | None = None) -> list[Event]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(Event).where(Event.status != EventStatus.DRAFT, Event.ends_at > now).order_by(Event.starts_at)
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
    return ZoneInfo(name)


def suggest_slug(title: str, city: str, local_start: dt.datetime | None) -> str:
    """A readable, unused slug from the city (or title) and date: 'los-angeles-2027-09-12'."""
    base = slugify(city or title, local_start.strftime("%Y-%m-%d") if local_start else "")
    candidate, n = base, 2
    while db.session.scalar(sa.select(Event.id).where(Event.slug == candidate)) is not None:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


#: Event columns an organizer may set directly (times go through local_start/local_end).
EVENT_FIELDS = (
    "title", "slug", "summary", "description", "audience_note", "venue_name", "room", "street_address",
    "city", "region", "postal_code", "capacity", "waitlist_enabled", "claim_window_hours",
    "requires_approval", "reminder_enabled", "reminder_hours_before", "directory_enabled",
)  # fmt: skip


def _apply(event: Event, fields: dict, *, local_start, local_end, timezone, local_deadline) -> None:
    """Validate and copy fields onto ``event``; raise DomainError with the field to blame."""
    tz = check_timezone(timezone)
    starts_at = local_start.replace(tzinfo=tz).astimezone(dt.UTC)
    ends_at = local_end.replace(tzinfo=tz).astimezone(dt.UTC)
    if ends_at <= starts_at:
        raise DomainError("The event must end after it starts.", "end_before_start", "local_end")
    deadline = local_deadline.replace(tzinfo=tz).astimezone(dt.UTC) if local_deadline else None
    if deadline is not None and deadline > starts_at:
        raise DomainError("The RSVP deadline must be before the start.", "deadline_after_start", "local_deadline")
    slug = fields.get("slug", event.slug)
    if not slug or slugify(slug) != slug:
        raise DomainError("Use lower-case letters, digits and hyphens only.", "bad_slug", "slug")
    clash = db.session.scalar(sa.select(Event.id).where(Event.slug == slug, Event.id != (event.id or 0)))
    if clash is not None:
        raise DomainError("Another event already uses this address.", "slug_taken", "slug")
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise ValueError(f"not event fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(event, name, value)
    event.timezone, event.starts_at, event.ends_at, event.rsvp_deadline = timezone, starts_at, ends_at, deadline


def create_event(
    *,
    local_start: dt.datetime,
    local_end: dt.datetime,
    timezone: str,
    local_deadline: dt.datetime | None = None,
    status: EventStatus = EventStatus.DRAFT,
    **fields,
) -> Event:
    """Create an event from wall-clock times (naive, read in ``timezone``) and EVENT_FIELDS,
    with the series' default feedback form.

    Raises DomainError ``bad_timezone``, ``end_before_start``, ``deadline_after_start``,
    ``bad_slug``, ``slug_taken``, each with the form field it belongs to.
    """
    event = Event(status=status)
    _apply(
        event, fields, local_start=local_start, local_end=local_end, timezone=timezone, local_deadline=local_deadline
    )
    db.session.add(event)
    db.session.flush()

    feedback.create_default_form(event)
    return event


def update_event(
    event: Event,
    *,
    local_start: dt.datetime,
    local_end: dt.datetime,
    timezone: str,
    local_deadline: dt.datetime | None = None,
    confirm_overbooking: bool = False,
    **fields,
) -> int:
    """Change an event; return how many guests were e-mailed a new time (0: it kept its start).
    Lowering the capacity below the confirmed guests needs ``confirm_overbooking``; raising it
    offers the new places to the waitlist.

    A new start time re-arms the reminder (guests reminded of the old time are reminded again
    of the new one) and queues the "event_moved" e-mail to every live guest: see
    ``_tell_guests_it_moved``. A new time, zone or place raises the calendar entry's SEQUENCE.
    Saving again with the same start sends nothing.

    Raises what ``create_event`` raises, and ``capacity_below_confirmed`` (field capacity).
    """

    lock_event(event.id)
    old_start, old_end, old_timezone = event.starts_at, event.ends_at, event.timezone
    old_place = event.location_text
    capacity = fields.get("capacity", event.capacity)
    taken = seats_taken(event)
    if capacity is not None and capacity < taken and not confirm_overbooking:
        raise DomainError(
            f'{taken} guests already hold a place. Tick "Allow overbooking" to set a capacity below that.',
            "capacity_below_confirmed",
            "capacity",
        )
    _apply(
        event, fields, local_start=local_start, local_end=local_end, timezone=timezone, local_deadline=local_deadline
    )
    if (event.starts_at, event.ends_at, event.timezone, event.location_text) != (
        old_start,
        old_end,
        old_timezone,
        old_place,
    ):
        event.ics_sequence = (event.ics_sequence or 0) + 1
    db.session.flush()
    told = 0
    if event.starts_at != old_start:
        db.session.execute(
            sa.update(Rsvp)
            .where(Rsvp.event_id == event.id, Rsvp.reminder_sent_at.is_not(None))
            .values(reminder_sent_at=None)
        )
        told = _tell_guests_it_moved(
            event, old_start.astimezone(ZoneInfo(old_timezone)), old_end.astimezone(ZoneInfo(old_timezone))
        )
    rsvps.fill_open_spots(event)
    return told


def _tell_guests_it_moved(event: Event, old_start: dt.datetime, old_end: dt.datetime) -> int:
    """Queue "event_moved" (new time, place, updated calendar file) to every live guest of an
    event that is still to come; returns how many. A notice of an earlier move that is still
    waiting in the outbox is dropped, so a guest hears of the latest time only."""

    if event.is_cancelled or event.starts_at <= utcnow():
        return 0
    guest_ids = sa.select(Rsvp.id).where(Rsvp.event_id == event.id)
    db.session.execute(
        sa.delete(OutboxMessage)
        .where(
            OutboxMessage.kind == "event_moved",
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.attempts == 0,
            OutboxMessage.rsvp_id.in_(guest_ids),
        )
        .execution_options(synchronize_session=False)
    )
    guests = db.session.scalars(
        sa.select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.status.in_(LIVE_STATUSES)).order_by(Rsvp.id)
    ).all()
    was = span_when(old_start, old_end)
    for rsvp in guests:
        mail.queue_guest_message(rsvp, "event_moved", was_when=was)
    return len(guests)


def publish_event(event: Event) -> None:
    """Make a draft public. Raises DomainError ``event_cancelled``."""
    if event.is_cancelled:
        raise DomainError("A cancelled event can't be published again; copy it instead.", "event_cancelled")
    event.status = EventStatus.PUBLISHED
    db.session.flush()


def unpublish_event(event: Event) -> None:
    """Back to draft: the public page disappears; guests keep their RSVPs."""
    if event.is_cancelled:
        raise DomainError("This event is cancelled.", "event_cancelled")
    event.status = EventStatus.DRAFT
    db.session.flush()


def cancel_event(event: Event, *, message: str, actor: str, now: dt.datetime | None = None) -> int:
    """Cancel the event and e-mail ``message`` to every live guest; returns how many were told.

    Guests keep their RSVP rows (status unchanged) so the history stays readable.
    Raises DomainError ``event_cancelled`` when already cancelled.
    """

    if event.is_cancelled:
        raise DomainError("This event is already cancelled.", "event_cancelled")
    lock_event(event.id)
    event.status = EventStatus.CANCELLED
    event.ics_sequence = (event.ics_sequence or 0) + 1  # calendars mark the entry cancelled
    event.cancel_message = message.strip()
    event.cancelled_at = now or utcnow()
    guests = db.session.scalars(
        sa.select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.status.in_(LIVE_STATUSES)).order_by(Rsvp.id)
    ).all()
    for rsvp in guests:
        mail.queue_guest_message(rsvp, "event_cancelled")
    db.session.flush()
    return len(guests)


def copy_event(
    source: Event,
    *,
    title: str,
    slug: str,
    local_start: dt.datetime,
    local_end: dt.datetime,
    timezone: str,
    venue_name: str,
    room: str,
    street_address: str,
    city: str,
    region: str,
    postal_code: str,
) -> Event:
    """ "Next in series": a new draft with the source's texts, settings and feedback form, a new
    place and date, and no guests. Raises what ``create_event`` raises."""
    keep = ("summary", "description", "audience_note", "capacity", "waitlist_enabled", "claim_window_hours",
            "requires_approval", "reminder_enabled", "reminder_hours_before", "directory_enabled")  # fmt: skip
    event = create_event(
        title=title, slug=slug, local_start=local_start, local_end=local_end, timezone=timezone,
        venue_name=venue_name, room=room, street_address=street_address, city=city, region=region,
        postal_code=postal_code, **{name: getattr(source, name) for name in keep},
    )  # fmt: skip
    event.copied_from_id = source.id
    # Badge print offsets belong to the organizer's printer, not to the venue: keep them.
    event.badge_offset_x_mm, event.badge_offset_y_mm = source.badge_offset_x_mm, source.badge_offset_y_mm
    db.session.flush()

    feedback.copy_form(source, event)
    return event


@dataclasses.dataclass(frozen=True)
class EventRow:
    event: Event
    counts: PlaceCounts
    checked_in: int


def admin_event_rows(tab: str, now: dt.datetime | None = None) -> list[EventRow]:
    """Events for the organizer's list with their figures, in three queries whatever the count.

    ``tab``: "upcoming" (published or cancelled, not ended), "drafts", or "past".
    """

    now = now or utcnow()
    query = sa.select(Event)
    if tab == "drafts":
        query = query.where(Event.status == EventStatus.DRAFT).order_by(Event.starts_at)
    elif tab == "past":
        query = query.where(Event.status != EventStatus.DRAFT, Event.ends_at <= now).order_by(Event.starts_at.desc())
    else:
        query = query.where(Event.status != EventStatus.DRAFT, Event.ends_at > now).order_by(Event.starts_at)
    event_list = db.session.scalars(query).all()
    ids = [e.id for e in event_list]
    by_event: dict[int, dict] = {i: {} for i in ids}
    if ids:
        rows = db.session.execute(
            sa.select(Rsvp.event_id, Rsvp.status, sa.func.count())
            .where(Rsvp.event_id.in_(ids))
            .group_by(Rsvp.event_id, Rsvp.status)
        )
        for event_id, status, n in rows:
            by_event[event_id][status] = n
        checked = dict(
            db.session.execute(
                sa.select(CheckIn.event_id, sa.func.count(sa.distinct(CheckIn.rsvp_id)))
                .where(CheckIn.event_id.in_(ids), CheckIn.standing)
                .group_by(CheckIn.event_id)
            ).all()
        )
    else:
        checked = {}
    return [
        EventRow(event=e, counts=counts_from(by_event[e.id], e.capacity), checked_in=checked.get(e.id, 0))
        for e in event_list
    ]


@dataclasses.dataclass(frozen=True)
class Dashboard:
    counts: PlaceCounts
    cancelled: int
    checked_in: int
    #: (local date, RSVPs received that day), every day from the first RSVP to the last.
    per_day: list[tuple[dt.date, int]]
    #: (training level, live RSVPs), in the fixed order of TrainingLevel.
    by_level: list[tuple[str, int]]
    #: (program, live RSVPs), largest first, top 12.
    by_program: list[tuple[str, int]]


def dashboard(event: Event) -> Dashboard:
    """The organizer's overview figures for one event (a fixed number of queries)."""

    counts = place_counts(event)
    by_status = dict(
        db.session.execute(
            sa.select(Rsvp.status, sa.func.count()).where(Rsvp.event_id == event.id).group_by(Rsvp.status)
        ).all()
    )
    checked_in = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(CheckIn.rsvp_id))).where(CheckIn.event_id == event.id, CheckIn.standing)
    )
    days: dict[dt.date, int] = {}
    for created in db.session.scalars(sa.select(Rsvp.created_at).where(Rsvp.event_id == event.id)):
        day = created.astimezone(event.tz).date()
        days[day] = days.get(day, 0) + 1
    per_day = []
    if days:
        day, last = min(days), max(days)
        while day <= last:
            per_day.append((day, days.get(day, 0)))
            day += dt.timedelta(days=1)
    live = Rsvp.event_id == event.id, Rsvp.status.in_(LIVE_STATUSES)
    levels = dict(
        db.session.execute(
            sa.select(Rsvp.training_level, sa.func.count()).where(*live).group_by(Rsvp.training_level)
        ).all()
    )
    programs = db.session.execute(
        sa.select(Rsvp.institution, sa.func.count().label("n"))
        .where(*live)
        .group_by(Rsvp.institution)
        .order_by(sa.desc("n"), Rsvp.institution)
        .limit(12)
    ).all()
    return Dashboard(
        counts=counts,
        cancelled=by_status.get(RsvpStatus.CANCELLED, 0) + by_status.get(RsvpStatus.DECLINED, 0),
        checked_in=checked_in,
        per_day=per_day,
        by_level=[(level.label, levels.get(level, 0)) for level in TrainingLevel],
        # An anonymised guest (their data deleted) still counts, under a name that says why.
        by_program=[(name or "Data deleted", n) for name, n in programs],
    )
